# e2e tests of signal and futex races and keying (issue 4), kept apart
# from programs.cmake so parallel work does not collide; included by
# CMakeLists.txt after it. Each race test repeats its case 200 times in one
# guest process; every test runs on one core and on two.
function(signal_race_test name)
  add_executable(e2e_${name} progs/${name}.c)
  target_link_libraries(e2e_${name} PRIVATE pthread)
  junction_e2e(${name} COMMAND $<TARGET_FILE:e2e_${name}>)
  add_test(NAME e2e.${name}_2cores
           COMMAND ${E2E_COMPARE} $<TARGET_FILE:junction> ${E2E_DATA}/two_cores.toml
                   -- $<TARGET_FILE:e2e_${name}>)
  set_tests_properties(e2e.${name}_2cores PROPERTIES LABELS e2e TIMEOUT 120)
endfunction()

# An untimed FUTEX_WAIT under SA_RESTART never fails with EINTR, even when
# another thread takes the signal that woke it.
signal_race_test(signals_futex_restart_race)

# A signal from another process that arrives as the receiver goes to sleep
# (pipe reads on the reactor and in the LibOS, FUTEX_WAIT, sigsuspend) is
# never lost; the receiver runs on the second core, so another kthread
# handles the host signal.
signal_race_test(signals_host_wake_race)

# The terminal session of e2e.pty_session on two cores (kthreads).
add_test(NAME e2e.pty_session_2cores
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/pty_session_test.py $<TARGET_FILE:junction>
                 ${E2E_DATA}/two_cores.toml ${E2E_DATA}/pty_guest.py)
set_tests_properties(e2e.pty_session_2cores PROPERTIES LABELS e2e TIMEOUT 120
  PASS_REGULAR_EXPRESSION "PASS: same terminal session")

# A FUTEX_PRIVATE_FLAG wake never wakes a waiter that waited without the
# flag, nor the reverse, in every kind of memory (as Linux keys them).
signal_race_test(futex_private_shared)

# A process killed from outside while it waits on a shared futex no longer
# counts as a waiter: later FUTEX_WAKEs on the word return 0 (they
# returned 1 forever).
add_executable(e2e_futex_shared_dead_waiter progs/futex_shared_dead_waiter.c)
add_test(NAME e2e.futex_shared_dead_waiter
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/futex_shared_dead_waiter_test.sh $<TARGET_FILE:junction>
                 $<TARGET_FILE:e2e_futex_shared_dead_waiter>)
set_tests_properties(e2e.futex_shared_dead_waiter PROPERTIES LABELS e2e TIMEOUT 180
  PASS_REGULAR_EXPRESSION "PASS: same output")

# RLIMIT_SIGPENDING counts the real-time signals of all the container's
# processes (one user, as Linux counts per user); a process's instances are
# given back when it exits or is killed.
signal_race_test(signals_rt_queue_user)

# A thread that spins without blocking does not keep a thread parked on a
# host descriptor from waking (the scheduler polls the reactor every slice).
signal_race_test(sched_reactor_starvation)

# A call that fails with EINTR because a signal is pending (poll's check
# before sleeping) has run the signal's handler, even when another kthread
# queued the signal.
signal_race_test(signals_eintr_delivery)

# nanosleep and relative clock_nanosleep keep sleeping through signals whose
# default action ignores them (Linux drops them; a wake-up that finds no
# handler to run restarts the sleep with its first deadline).
signal_race_test(signals_sleep_ignored)

# Lazy pread/read/write descriptor lookups racing opens that grow the
# descriptor table and closes that empty it (FdTable::LockLazy): every
# byte read is right.
signal_race_test(fd_table_grow_race)

# Timed waits (FUTEX_WAIT, nanosleep, poll) that end early in 200 threads
# which then exit (more than the uthread cache's 64): their timer entries
# go with them; new threads' untimed waits end only by FUTEX_WAKE.
signal_race_test(futex_timed_exit)

# A timed FUTEX_WAIT woken by FUTEX_WAKE as its deadline passes, then an
# untimed one: the first wait's timer cannot end the second (ETIMEDOUT).
signal_race_test(futex_timer_race)

# Synchronous faults (SIGSEGV) in four threads at once: each handler sees
# its own fault's address, as a JIT's safepoint poll needs (the JVM with
# ZGC on two cores aborted "pc must refer to an nmethod"); a fault with
# SIGSEGV blocked kills the process, as Linux does.
signal_race_test(signals_fault_threads)

# A thread whose stack another thread unmaps while it blocks in read,
# syscall(SYS_read) or epoll_wait dies of SIGSEGV when the call returns (a
# byte or a handled signal wakes it), as on Linux; the LibOS's reads of that
# stack on the way back (saved flags, return address, a signal frame) take
# the fault as the guest's, with no "LibOS bug" on stderr.
add_executable(e2e_signals_unmapped_stack_return progs/signals_unmapped_stack_return.c)
target_link_libraries(e2e_signals_unmapped_stack_return PRIVATE pthread)
junction_e2e(signals_unmapped_stack_return STDERR COMMAND $<TARGET_FILE:e2e_signals_unmapped_stack_return>)
add_test(NAME e2e.signals_unmapped_stack_return_2cores
         COMMAND ${E2E_COMPARE} $<TARGET_FILE:junction> ${E2E_DATA}/two_cores.toml --stderr
                 -- $<TARGET_FILE:e2e_signals_unmapped_stack_return>)
set_tests_properties(e2e.signals_unmapped_stack_return_2cores PROPERTIES LABELS e2e TIMEOUT 120)

# A handler's frame (EINTR, SA_RESTART) holds an address inside the bytes
# another thread's rewrite of the same site then patches (glibc's read
# shape): the handler's return resumes at the trampoline's equivalent
# (entry/split_patch.h), not in the jump's displacement (SIGILL before).
signal_race_test(signals_resume_inside_patch)
