# The programs issue 3 names, each compared native vs junction.
junction_e2e(true ALLOW_EMPTY COMMAND /bin/true)
junction_e2e(false ALLOW_EMPTY COMMAND /bin/false)
junction_e2e(busybox_echo COMMAND /bin/busybox echo hello from busybox)
junction_e2e(busybox_sha256sum COMMAND /bin/busybox sha256sum ${E2E_DATA}/words.txt)
# /tmp, /run, /work and /proc (its link count) change while tests run.
junction_e2e(ls_root FILTER "grep -v -E '^total| (tmp|run|work|root|proc)$'" COMMAND ls -la /)
junction_e2e(cat COMMAND cat ${E2E_DATA}/words.txt)
junction_e2e(sort COMMAND sort ${E2E_DATA}/words.txt)
junction_e2e(sha256sum COMMAND sha256sum ${E2E_DATA}/words.txt)
junction_e2e(wc COMMAND wc ${E2E_DATA}/words.txt)
junction_e2e(seq COMMAND seq 1 100000)
junction_e2e(date_year COMMAND date +%Y)
junction_e2e(python_sum COMMAND python3 -c "print(sum(range(10**6)))")
junction_e2e(python_modules COMMAND python3 ${E2E_DATA}/modules.py)
junction_e2e(perl COMMAND perl -e "print join(',', map { \$_ * \$_ } 1..10), qq(\\n)")
junction_e2e(openssl_speed FILTER "grep -c '^sha256'" COMMAND openssl speed -seconds 1 sha256)
junction_e2e(openssl_rand FILTER "tr -d '\\n' | wc -c" COMMAND openssl rand -hex 16)
junction_e2e(hello_static_pie COMMAND $<TARGET_FILE:e2e_hello_static_pie> a b c)
junction_e2e(hello_static_nopie COMMAND $<TARGET_FILE:e2e_hello_static_nopie> a b c)
junction_e2e(hello_dynamic_nopie COMMAND $<TARGET_FILE:e2e_hello_dynamic_nopie> a b c)
junction_e2e(hello_pie COMMAND $<TARGET_FILE:e2e_hello_pie> a b c)
junction_e2e(env_python_script COMMAND ${E2E_DATA}/script.py one two)
# `_` is set by whoever execs; the loader does not provide AT_RSEQ_* (glibc 2.36 needs none).
junction_e2e(auxv_dump FILTER "grep -v -e '^envp.*=_=' -e '^AT_RSEQ'" COMMAND $<TARGET_FILE:e2e_auxv_dump> x y)
junction_e2e(vdso_clock COMMAND $<TARGET_FILE:e2e_vdso_clock>)

# The syscall entry itself: registers, flags, vector state, red zone.
junction_e2e(syscall_regs COMMAND $<TARGET_FILE:e2e_syscall_regs>)
# Bad guest pointers: EFAULT exactly where Linux gives it, never a crash.
junction_e2e(bad_pointers COMMAND $<TARGET_FILE:e2e_bad_pointers>)
# Signals from host timers delivered to guest handlers.
junction_e2e(signals_basic COMMAND $<TARGET_FILE:e2e_signals_basic>)
# madvise(MADV_DONTNEED) (the lazy path with one kthread): zeroed pages, errors.
junction_e2e(mm_madvise COMMAND $<TARGET_FILE:e2e_mm_madvise>)
# MADV_DONTNEED leaves never-accessible mappings (stack guards) out of the
# host call: what was ever accessible still reads back as zero, on the lazy
# path (one kthread) and on the locked one (two).
junction_e2e(mm_madvise_guard COMMAND $<TARGET_FILE:e2e_mm_madvise_guard>)
junction_e2e(mm_madvise_guard_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_mm_madvise_guard>)
# A failed MAP_FIXED mmap that unmapped what it was to replace (a TCP
# socket with PROT_WRITE): the LibOS forgets the lost pages (a later munmap
# of them unmapped LibOS memory: syscall_fuzz seed 2076 on two kthreads).
add_executable(e2e_mm_fixed_failure progs/mm_fixed_failure.c)
junction_e2e(mm_fixed_failure COMMAND $<TARGET_FILE:e2e_mm_fixed_failure>)
# The same over 16 GiB returns promptly (the LibOS looked for the lost
# pages one mincore each under the address-space lock: 13 s).
add_executable(e2e_mm_fixed_failure_large progs/mm_fixed_failure_large.c)
junction_e2e(mm_fixed_failure_large COMMAND $<TARGET_FILE:e2e_mm_fixed_failure_large>)
# MAP_32BIT below 2 GiB, and PHP opcache's huge-page attempt (a MAP_FIXED
# map at the 2 MiB boundary after a MAP_32BIT reservation) leaving the
# program's other mappings alone (php-fpm's master spun at exit on an
# interned-string table the fixed map had replaced).
add_executable(e2e_mm_map_32bit progs/mm_map_32bit.c)
junction_e2e(mm_map_32bit COMMAND $<TARGET_FILE:e2e_mm_map_32bit>)
# rt_sigprocmask (the lazy path once its pointers are known): delivery at
# the unblocking call, old masks, EINVAL/EFAULT.
junction_e2e(signals_mask COMMAND $<TARGET_FILE:e2e_signals_mask>)
# SIGSEGV recovery on a sigaltstack, SA_RESTART, pthread_kill between threads.
junction_e2e(signals_threads COMMAND $<TARGET_FILE:e2e_signals_threads>)
# SA_RESTART across a fork (trap and trampoline paths); futex EINTR vs restart.
junction_e2e(signals_restart COMMAND $<TARGET_FILE:e2e_signals_restart>)
# Which thread takes a process-directed signal (kill from a thread, a POSIX
# timer, kill from a child = a host signal): the main thread unless it
# blocks it, not a reader asleep in read() (then that one, with EINTR).
junction_e2e(signals_target COMMAND $<TARGET_FILE:e2e_signals_target>)
# A relative FUTEX_WAIT restarted after a handler-less signal keeps its deadline.
junction_e2e(futex_restart_deadline COMMAND $<TARGET_FILE:e2e_futex_restart_deadline>)

# Pointers into the LibOS's own memory (only meaningful under junction).
add_test(NAME e2e.libos_memory_protected
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/libos_memory_test.sh $<TARGET_FILE:junction>
                 $<TARGET_FILE:e2e_bad_pointers>)
set_tests_properties(e2e.libos_memory_protected PROPERTIES LABELS e2e
  PASS_REGULAR_EXPRESSION "LibOS still alive; 0 unexpected results")
# Programs that cannot be loaded, and bad configs.
add_test(NAME e2e.run_errors COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_errors.sh $<TARGET_FILE:junction>)
set_tests_properties(e2e.run_errors PROPERTIES LABELS e2e)

# /proc/self/maps comes from the guest's VMAs: its own mappings, none of
# the LibOS's (the junction binary, its heap and stacks).
add_test(NAME e2e.proc_self_maps COMMAND $<TARGET_FILE:junction> run -- /bin/cat /proc/self/maps)
set_tests_properties(e2e.proc_self_maps PROPERTIES LABELS e2e
  PASS_REGULAR_EXPRESSION "r-xp [0-9a-f]+ [0-9a-f:]+ [0-9]+ +(/usr)?/bin/cat\n.*\\[stack\\]\n.*\\[vdso\\]"
  FAIL_REGULAR_EXPRESSION "/junction\n")

# /proc/self/exe is absolute and resolved even for a relative command
# (glibc's $ORIGIN code asserts it); junction itself as the guest.
add_test(NAME e2e.relative_exe COMMAND $<TARGET_FILE:junction> run -- ./junction --version
         WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
set_tests_properties(e2e.relative_exe PROPERTIES LABELS e2e PASS_REGULAR_EXPRESSION "^junction [0-9]")

# Threads (issue 4): pthreads synchronisation on one core and on two, and
# preemption of a thread that never enters the LibOS.
junction_e2e(threads_sync COMMAND $<TARGET_FILE:e2e_threads_sync>)
# Thread exit hands off straight to the joiner: values, detached churn,
# CLONE_CHILD_CLEARTID wake, a robust mutex held at exit.
junction_e2e(threads_exit_join COMMAND $<TARGET_FILE:e2e_threads_exit_join>)
junction_e2e(threads_exit_join_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_threads_exit_join>)
junction_e2e(threads_sync_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_threads_sync>)
# Vector, MXCSR and x87 state kept across futex waits that switch uthreads.
junction_e2e(threads_vectors COMMAND $<TARGET_FILE:e2e_threads_vectors>)
junction_e2e(threads_vectors_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_threads_vectors>)
# A thread clone's child starts with the caller's vector, MXCSR and x87
# registers, and the caller keeps them (the lazy clone path keeps them with moves).
junction_e2e(threads_clone_vectors COMMAND $<TARGET_FILE:e2e_threads_clone_vectors>)
junction_e2e(threads_clone_vectors_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_threads_clone_vectors>)
junction_e2e(preempt_sleeper COMMAND $<TARGET_FILE:e2e_preempt_sleeper>)
# Two CPU-bound threads on two cores run at once (wake-affine placement
# keeps hand-offs on one kthread, never busy threads: sched_spin_pair.c).
add_executable(e2e_sched_spin_pair progs/sched_spin_pair.c)
target_link_libraries(e2e_sched_spin_pair PRIVATE pthread)
junction_e2e(sched_spin_pair_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_sched_spin_pair>)
junction_e2e(python_threading COMMAND python3 ${E2E_DATA}/threading_pool.py)

# The VFS (issue 5): file system calls compared with native Linux, python's
# file modules, procfs views, archives and a database, the root boundary.
add_executable(e2e_fs_calls progs/fs_calls.c)
junction_e2e(fs_calls COMMAND $<TARGET_FILE:e2e_fs_calls>)
# Regular files and directories keep the open's host O_NONBLOCK (one host
# call less per open): never visible to the program, its children, or a receiver.
add_executable(e2e_fs_open_flags progs/fs_open_flags.c)
junction_e2e(fs_open_flags COMMAND $<TARGET_FILE:e2e_fs_open_flags>)
# Each file type a host mount holds (regular, directory, FIFO, socket file,
# devices of a bind-mounted /dev): the open tells them apart as Linux does.
add_executable(e2e_fs_open_types progs/fs_open_types.c)
junction_e2e(fs_open_types APP ${E2E_DATA}/fs_open_types.toml COMMAND $<TARGET_FILE:e2e_fs_open_types>)
# A path ending on the last readable byte before a page that faults (a
# file mapping past its end): the lazy open and stat read no further.
add_executable(e2e_fs_path_page_end progs/fs_path_page_end.c)
junction_e2e(fs_path_page_end COMMAND $<TARGET_FILE:e2e_fs_path_page_end>)
# Guest buffers in a mapped VMA that fault (a page past a mapped file's
# end): EFAULT from paths, pipes, unix sockets, eventfd and tmpfs, as Linux
# (the LibOS's fault-tolerant copies, entry/safe_copy.S); then buffers that
# fault part-way, in the mapping or past it: the counts and what is left
# queued (pipe bytes, pending signals, inotify events, eventfd and timerfd
# counts, socket data) after pipe, signalfd, inotify, eventfd, timerfd and
# unix-socket calls.
add_executable(e2e_sys_guest_fault_copy progs/sys_guest_fault_copy.c)
junction_e2e(sys_guest_fault_copy COMMAND $<TARGET_FILE:e2e_sys_guest_fault_copy>)
add_test(NAME e2e.sys_guest_fault_copy_strace
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/strace_guest_fault_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_sys_guest_fault_copy>
         WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(e2e.sys_guest_fault_copy_strace PROPERTIES LABELS e2e TIMEOUT 120)
# stat/lstat/fstatat of absolute paths (the lazy stat under junction):
# symlinks anywhere in the path, mount points, bad buffers, long names.
add_executable(e2e_fs_stat_paths progs/fs_stat_paths.c)
junction_e2e(fs_stat_paths COMMAND $<TARGET_FILE:e2e_fs_stat_paths>)
# Paths through symlinks after another process of the container changed
# the links (the container's known links, fs/link_hints.h, are only hints):
# retargeted, renamed over, a directory in their place, removed.
add_executable(e2e_fs_link_changes progs/fs_link_changes.c)
junction_e2e(fs_link_changes COMMAND $<TARGET_FILE:e2e_fs_link_changes>)
# Links whose target must be a directory ("f/", "f/."): ENOTDIR for a file,
# on the first walk and through the known links.
add_executable(e2e_fs_link_dir_targets progs/fs_link_dir_targets.c)
junction_e2e(fs_link_dir_targets COMMAND $<TARGET_FILE:e2e_fs_link_dir_targets>)
# ... and after a host process outside the container changed them.
add_test(NAME e2e.fs_link_changes_host
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fs_link_changes_host.sh $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_fs_link_changes>)
set_tests_properties(e2e.fs_link_changes_host PROPERTIES LABELS e2e TIMEOUT 120)
# close of host files and directories (the lazy close under junction): gone
# at once, dups and mappings survive, many in a row, and the host file is
# closed then (a POSIX lock is released by the close).
add_executable(e2e_fs_close_host progs/fs_close_host.c)
junction_e2e(fs_close_host COMMAND $<TARGET_FILE:e2e_fs_close_host>)
# 900 descriptors held: the lowest free number on every open, dup, F_DUPFD
# and after close_range; /dev, /dev/pts and /proc/self/fd still right.
add_executable(e2e_fs_many_fds progs/fs_many_fds.c)
junction_e2e(fs_many_fds COMMAND $<TARGET_FILE:e2e_fs_many_fds>)
# ... and an open/close below /dev makes a handful of host calls, not one
# per held descriptor (counted with real strace; skipped without it).
add_test(NAME e2e.fs_many_fds_hostcalls
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fs_many_fds_hostcalls.sh $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_fs_many_fds>)
set_tests_properties(e2e.fs_many_fds_hostcalls PROPERTIES LABELS e2e TIMEOUT 300 SKIP_RETURN_CODE 77)
junction_e2e(fs_python COMMAND /usr/bin/python3 ${E2E_DATA}/fs_python.py)
# Descriptor numbers and targets match; the pid in /proc/PID/fd and dates differ.
# (No ';' inside FILTER or COMMAND strings: CMake splits arguments there.)
junction_e2e(fs_ls_proc_fd FILTER "sed -E -e 's/^.{0,50}[0-9]+:[0-9]+ //' -e 's|/proc/[0-9]+/|/proc/PID/|' -e 's/pipe:\\[[0-9]+\\]/pipe/' -e 's/(native|junction)[.]/RUN./'"
             COMMAND ls -l /proc/self/fd)
junction_e2e(fs_proc_self_status FILTER "grep -c -E '^(Name|Pid|PPid|Uid|Gid|VmSize):'" COMMAND cat /proc/self/status)
junction_e2e(fs_proc_status_threads COMMAND python3 ${E2E_DATA}/status_threads.py)
junction_e2e(fs_find FILTER "sort" COMMAND find ${E2E_DATA} -name "*.py")
add_test(NAME e2e.fs_archive COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fs_archive_test.sh
         $<TARGET_FILE:junction> ${E2E_APP} ${E2E_DATA})
set_tests_properties(e2e.fs_archive PROPERTIES LABELS e2e TIMEOUT 120)
add_test(NAME e2e.fs_root_boundary COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fs_root_test.sh $<TARGET_FILE:junction>
         $<TARGET_FILE:e2e_fs_escape>)
set_tests_properties(e2e.fs_root_boundary PROPERTIES LABELS e2e TIMEOUT 120)

# Objects and readiness (issue 5): LibOS pipes, sockets, epoll through
# python and node; a host-network server reached by curl.
junction_e2e(ipc_python COMMAND python3 ${E2E_DATA}/ipc_python.py)
junction_e2e(ipc_node_fs COMMAND node ${E2E_DATA}/node_fs.js)
# Pipe reads that block between threads (the lazy path's wait): wake-ups,
# EOF, EINTR/SA_RESTART, close while blocked, packets, poll/epoll.
add_executable(e2e_ipc_pipe_block progs/ipc_pipe_block.c)
target_link_libraries(e2e_ipc_pipe_block PRIVATE pthread)
junction_e2e(ipc_pipe_block COMMAND $<TARGET_FILE:e2e_ipc_pipe_block>)
# A pipe's capacity in page slots, as Linux counts it: what fits before a
# non-blocking write's EAGAIN for 1-byte, page, 4097-byte, mixed and
# O_DIRECT writes, after F_SETPIPE_SZ, with a partly read slot; POLLOUT,
# F_SETPIPE_SZ's EBUSY and tee by slots.
add_executable(e2e_pipe_capacity progs/pipe_capacity.c)
junction_e2e(pipe_capacity COMMAND $<TARGET_FILE:e2e_pipe_capacity>)
# pipe2/socketpair with one free descriptor: EMFILE, nothing left installed.
add_executable(e2e_ipc_pair_emfile progs/ipc_pair_emfile.c)
junction_e2e(ipc_pair_emfile COMMAND $<TARGET_FILE:e2e_ipc_pair_emfile>)
# RLIMIT_NOFILE is the guest's own, on the LibOS descriptor table: every
# way of making a descriptor at the limit, SCM_RIGHTS cut short, a table
# grown past 1024, lowering below open descriptors, the permission rules,
# fork and exec, /proc/self/limits; then bash's ulimit and Python's
# resource module.
add_executable(e2e_fs_rlimit_nofile progs/fs_rlimit_nofile.c)
junction_e2e(fs_rlimit_nofile COMMAND $<TARGET_FILE:e2e_fs_rlimit_nofile>)
junction_e2e(fs_rlimit_bash COMMAND bash ${E2E_DATA}/rlimit_nofile.sh)
junction_e2e(fs_rlimit_python COMMAND python3 ${E2E_DATA}/rlimit_nofile.py)
# A configured limits.open_files is both limits, whatever junction's own are.
add_test(NAME e2e.fs_rlimit_config
         COMMAND $<TARGET_FILE:junction> run ${E2E_DATA}/open_files.toml
                 -- bash -c "ulimit -Sn; ulimit -Hn; grep 'open files' /proc/self/limits")
set_tests_properties(e2e.fs_rlimit_config PROPERTIES LABELS e2e TIMEOUT 60
  PASS_REGULAR_EXPRESSION "^300\n300\nMax open files +300 +300 +files")
# A read or write blocked on a pipe across another thread's fork whose
# child exits at once: no EOF/EPIPE, EOF once the parent closes too.
add_executable(e2e_ipc_pipe_fork_blocked progs/ipc_pipe_fork_blocked.c)
target_link_libraries(e2e_ipc_pipe_fork_blocked PRIVATE pthread)
junction_e2e(ipc_pipe_fork_blocked COMMAND $<TARGET_FILE:e2e_ipc_pipe_fork_blocked>)
# The same for eventfds, timerfds and unix sockets, and for epoll_wait,
# poll and select on them and on pipes: woken by the child or the parent,
# queued data moved once; on one core and two.
add_executable(e2e_ipc_fork_blocked_objects progs/ipc_fork_blocked_objects.c)
target_link_libraries(e2e_ipc_fork_blocked_objects PRIVATE pthread)
junction_e2e(ipc_fork_blocked_objects COMMAND $<TARGET_FILE:e2e_ipc_fork_blocked_objects>)
junction_e2e(ipc_fork_blocked_objects_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_fork_blocked_objects>)
# Blocking reads/writes of pipes shared with a child (host pipes) while a
# blocked signal floods the reader: never EINTR (daemon.forked runs it
# under a daemon too, where the LibOS's own kick signals land more often).
add_executable(e2e_ipc_host_pipe_blocked_signal progs/ipc_host_pipe_blocked_signal.c)
junction_e2e(ipc_host_pipe_blocked_signal COMMAND $<TARGET_FILE:e2e_ipc_host_pipe_blocked_signal>)
add_test(NAME e2e.ipc_http COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ipc_http_test.sh $<TARGET_FILE:junction>)
set_tests_properties(e2e.ipc_http PROPERTIES LABELS e2e TIMEOUT 120)
# Processes (issue 8): fork/vfork/posix_spawn, wait statuses, groups and
# sessions, kill to pids and groups, pidfds; shells, make, python.
add_executable(e2e_proc_basic progs/proc_basic.c)
junction_e2e(proc_basic COMMAND $<TARGET_FILE:e2e_proc_basic>)
# Sites first run by forked children: logged for the parent, rewritten
# there, inherited by later children (docs/architecture.md).
# execve's file checks, a probe and a load from one open, mapping identities.
add_executable(e2e_proc_exec_files progs/proc_exec_files.c)
junction_e2e(proc_exec_files COMMAND $<TARGET_FILE:e2e_proc_exec_files>)
# A spinning thread in a forked child is preempted (the child's own timer).
add_executable(e2e_proc_child_preempt progs/proc_child_preempt.c)
target_link_libraries(e2e_proc_child_preempt PRIVATE pthread)
junction_e2e(proc_child_preempt COMMAND $<TARGET_FILE:e2e_proc_child_preempt>)
# A forked child's threads run in parallel on two cores (it gets kthreads
# of its own), also once it exec'd, and in a program a shell started.
add_executable(e2e_proc_child_parallel progs/proc_child_parallel.c)
target_link_libraries(e2e_proc_child_parallel PRIVATE pthread)
junction_e2e(proc_child_parallel_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 300 COMMAND $<TARGET_FILE:e2e_proc_child_parallel>)
# Forks while other threads are inside the LibOS (its malloc, its locks):
# every child exits, on one core and on two (several kthreads).
add_executable(e2e_proc_fork_busy_threads progs/proc_fork_busy_threads.c)
target_link_libraries(e2e_proc_fork_busy_threads PRIVATE pthread)
junction_e2e(proc_fork_busy_threads COMMAND $<TARGET_FILE:e2e_proc_fork_busy_threads>)
junction_e2e(proc_fork_busy_threads_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_proc_fork_busy_threads>)
# A thread parked on a signalfd read at a fork is not run in the child when
# the child wakes its copy of the signalfd (with and without an exec).
add_executable(e2e_proc_fork_parked_thread progs/proc_fork_parked_thread.c)
target_link_libraries(e2e_proc_fork_parked_thread PRIVATE pthread)
junction_e2e(proc_fork_parked_thread COMMAND $<TARGET_FILE:e2e_proc_fork_parked_thread>)
junction_e2e(proc_fork_parked_thread_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_proc_fork_parked_thread>)
# EPOLL_CTL_ADD/DEL of a new pipe while another thread forks (each fork
# moves the pipe and its registration to the host): none is lost.
add_executable(e2e_proc_fork_epoll_ctl_race progs/proc_fork_epoll_ctl_race.c)
target_link_libraries(e2e_proc_fork_epoll_ctl_race PRIVATE pthread)
junction_e2e(proc_fork_epoll_ctl_race_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_proc_fork_epoll_ctl_race>)
# fork + exec on two cores while two threads churn close-on-exec pipes in
# an epoll set (Go's os/exec and netpoller in `go build`): the child's exec
# never spins on a lock held at the fork (the fork holds the descriptions'
# locks), and the threads' pipes keep their bytes and ends across the
# forks that move pipes to the host.
add_executable(e2e_proc_fork_exec_pipe_churn progs/proc_fork_exec_pipe_churn.c)
target_link_libraries(e2e_proc_fork_exec_pipe_churn PRIVATE pthread)
junction_e2e(proc_fork_exec_pipe_churn_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_proc_fork_exec_pipe_churn>)
# A vfork parent resumes only once its child has exec'd or exited, however
# the reactor wakes it (data/vfork_heredoc.sh).
junction_e2e(proc_vfork_heredoc_2cores APP ${E2E_DATA}/two_cores.toml COMMAND sh ${E2E_DATA}/vfork_heredoc.sh)
# asyncio runs 30 subprocesses at once, ten times, on two cores (each
# a vfork + exec): every child's output comes back and it exits 0. A vfork
# parent woken by a host epoll event meant for an earlier descriptor of its
# pipe's number let the child go before its exec, which died of SIGPIPE
# (sched/reactor.cc; the old binary failed 2 of 4 runs).
junction_e2e(proc_asyncio_subprocesses_2cores APP ${E2E_DATA}/two_cores.toml
             COMMAND python3 ${E2E_DATA}/proc_asyncio_subprocesses.py)
add_executable(e2e_proc_fork_sites progs/proc_fork_sites.c)
junction_e2e(proc_fork_sites COMMAND $<TARGET_FILE:e2e_proc_fork_sites>)
# One program file exec'd again and again (its sites rewritten before it
# runs from the third run on: the site cache), then rewritten in place with
# another build laid out differently, then with the first again.
add_executable(e2e_proc_exec_site_cache progs/proc_exec_site_cache.c)
target_link_options(e2e_proc_exec_site_cache PRIVATE -static -no-pie)
target_compile_options(e2e_proc_exec_site_cache PRIVATE -fno-pie)
add_executable(e2e_proc_exec_site_cache_pie progs/proc_exec_site_cache.c)
target_link_options(e2e_proc_exec_site_cache_pie PRIVATE -static-pie)
target_compile_options(e2e_proc_exec_site_cache_pie PRIVATE -fPIE -O0)
# The vDSO kept across execve, with rewritten sites in the old image's.
add_executable(e2e_proc_exec_vdso progs/proc_exec_vdso.c)
junction_e2e(proc_exec_vdso COMMAND $<TARGET_FILE:e2e_proc_exec_vdso>)
junction_e2e(proc_exec_site_cache COMMAND $<TARGET_FILE:e2e_proc_exec_site_cache>
             $<TARGET_FILE:e2e_proc_exec_site_cache> $<TARGET_FILE:e2e_proc_exec_site_cache_pie>)
# Robust process-shared mutexes whose owner process exits or dies of a signal.
add_executable(e2e_proc_robust_mutex progs/proc_robust_mutex.c)
target_link_libraries(e2e_proc_robust_mutex PRIVATE pthread)
junction_e2e(proc_robust_mutex COMMAND $<TARGET_FILE:e2e_proc_robust_mutex>)
# bash: pipelines, $( ), & and wait, redirections, 200 spawns, trap on SIGINT.
junction_e2e(proc_bash COMMAND bash ${E2E_DATA}/proc/shell.sh)

# Language runtimes on two cores (GOMAXPROCS and the JVM's sizing follow the
# container's cores, so both sides see two).
if(GO_EXECUTABLE)
  add_test(NAME e2e.go_threads
           COMMAND ${E2E_COMPARE} $<TARGET_FILE:junction> ${CMAKE_CURRENT_SOURCE_DIR}/data/two_cores.toml
                   -- ${CMAKE_CURRENT_BINARY_DIR}/go_threads)
  set_tests_properties(e2e.go_threads PROPERTIES LABELS e2e TIMEOUT 120)
endif()
# Without hsperfdata (-XX:-UsePerfData): every container's first process
# is pid 1, so JVMs of containers running at once (ctest -j) share
# /tmp/hsperfdata_USER/1, and the one that finds it locked warns on stdout.
if(JAVAC_EXECUTABLE)
  add_test(NAME e2e.java_threads
           COMMAND ${E2E_COMPARE} $<TARGET_FILE:junction> ${CMAKE_CURRENT_SOURCE_DIR}/data/two_cores.toml
                   -- java -XX:-UsePerfData -cp ${CMAKE_CURRENT_BINARY_DIR}/java Threads)
  set_tests_properties(e2e.java_threads PROPERTIES LABELS e2e TIMEOUT 180)
endif()
junction_e2e(node_worker COMMAND node ${E2E_DATA}/node_worker.js)

# Signal waits (issue 4) and process scripts (issue 8).
junction_e2e(signals_wait COMMAND $<TARGET_FILE:e2e_signals_wait>)
junction_e2e(proc_busybox COMMAND /bin/busybox sh ${E2E_DATA}/proc/busybox.sh)
junction_e2e(proc_python_subprocess COMMAND python3 ${E2E_DATA}/proc/subprocess_fork.py)
# set*uid/set*gid rules, and make -j2 building a C project with gcc.
add_executable(e2e_proc_cred progs/proc_cred.c)
junction_e2e(proc_cred COMMAND $<TARGET_FILE:e2e_proc_cred>)
junction_e2e(proc_make COMMAND bash ${E2E_DATA}/proc/make_build.sh)
# Unix socket pairs, eventfds and epoll sets shared across fork; node's
# child_process (execSync, execFileSync, spawn with pipes, kill).
add_executable(e2e_proc_shared_objects progs/proc_shared_objects.c)
junction_e2e(proc_shared_objects COMMAND $<TARGET_FILE:e2e_proc_shared_objects>)
# Listening and bound datagram unix sockets shared across fork: workers and
# the parent accept on one socket, a pending connection moves along.
add_executable(e2e_proc_unix_listener_fork progs/proc_unix_listener_fork.c)
junction_e2e(proc_unix_listener_fork COMMAND $<TARGET_FILE:e2e_proc_unix_listener_fork>)
# Python: prefork workers accepting on one unix socket; multiprocessing's
# forkserver and Manager (servers listening after a fork).
junction_e2e(proc_python_unix_workers COMMAND python3 ${E2E_DATA}/proc/unix_workers.py)
# /dev/shm shared across fork: SharedMemory and files made in one process,
# opened by name in another; MAP_SHARED; multiprocessing Lock/Semaphore.
junction_e2e(proc_shm_shared COMMAND python3 ${E2E_DATA}/proc/shm_shared.py)
# timerfds shared across fork: one expiration count and setting.
add_executable(e2e_proc_timerfd_fork progs/proc_timerfd_fork.c)
junction_e2e(proc_timerfd_fork COMMAND $<TARGET_FILE:e2e_proc_timerfd_fork>)
junction_e2e(proc_node_child_process COMMAND node ${E2E_DATA}/proc/node_child_process.js)
# redis-server BGSAVE (fork while serving), the dump checked and reloaded.
add_test(NAME e2e.proc_redis COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_redis_test.sh $<TARGET_FILE:junction>)
set_tests_properties(e2e.proc_redis PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# nginx master with two workers accepting on the inherited listening socket.
add_test(NAME e2e.proc_nginx COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_nginx_test.sh $<TARGET_FILE:junction>)
set_tests_properties(e2e.proc_nginx PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# SIGCHLD/SIGUSR1 siginfo in container pids, PR_SET_PDEATHSIG, orphans
# adopted and reaped by a PR_SET_CHILD_SUBREAPER; ps lists the processes
# and killing pid 1 from outside leaves no host process behind.
add_executable(e2e_proc_pidfd_getfd progs/proc_pidfd_getfd.c)
junction_e2e(proc_pidfd_getfd COMMAND $<TARGET_FILE:e2e_proc_pidfd_getfd>)
# pidfd_getfd of any number, the target's table grown past thousands.
add_executable(e2e_proc_pidfd_getfd_high progs/proc_pidfd_getfd_high.c)
junction_e2e(proc_pidfd_getfd_high COMMAND $<TARGET_FILE:e2e_proc_pidfd_getfd_high>)
# prlimit64 on another container process: every resource, sets, errors, permissions.
add_executable(e2e_proc_prlimit_other progs/proc_prlimit_other.c)
junction_e2e(proc_prlimit_other COMMAND $<TARGET_FILE:e2e_proc_prlimit_other>)
# The id of another process's (non-main) thread where a pid names a task:
# prlimit64, getpgid/getsid, kill, tgkill/tkill/rt_tgsigqueueinfo to that
# thread, pidfd_open; ESRCH once the thread, its process or an exec ended it.
add_executable(e2e_proc_other_thread_tid progs/proc_other_thread_tid.c)
target_link_libraries(e2e_proc_other_thread_tid PRIVATE pthread)
junction_e2e(proc_other_thread_tid TIMEOUT 60 COMMAND $<TARGET_FILE:e2e_proc_other_thread_tid>)
# execve while another thread is blocked in a host call outside the
# reactor (splice from a host FIFO, flock, F_SETLKW) or a read of a host
# FIFO: the exec goes on at once, as Linux's de_thread kills that thread.
# Two cores: a thread in a lock wait holds a kthread of its own; the pipe
# stages alone on one core (splice waits in the reactor).
add_executable(e2e_proc_exec_host_blocked progs/proc_exec_host_blocked.c)
target_link_libraries(e2e_proc_exec_host_blocked PRIVATE pthread)
junction_e2e(proc_exec_host_blocked_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 30
             COMMAND $<TARGET_FILE:e2e_proc_exec_host_blocked>)
junction_e2e(proc_exec_host_blocked_pipes TIMEOUT 30 COMMAND $<TARGET_FILE:e2e_proc_exec_host_blocked> pipes)
# Scheduling attributes of another process's tasks (a pid or a tid):
# getpriority/setpriority (PRIO_PROCESS, PRIO_PGRP, PRIO_USER),
# sched_*scheduler/param, sched_rr_get_interval, sched_*affinity, their
# inheritance and Linux's checks; a two-core container on this two-CPU
# machine. Run as root (other users by setresuid).
add_executable(e2e_proc_sched_other progs/proc_sched_other.c)
target_link_libraries(e2e_proc_sched_other PRIVATE pthread)
junction_e2e(proc_sched_other_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 60
             COMMAND $<TARGET_FILE:e2e_proc_sched_other>)
# execve with other threads spinning, in a futex wait, a pipe read and a
# sleep, from the main thread and from another one: they are gone in the
# new image, whose tid is the pid (Linux's de_thread); on one and two cores.
add_executable(e2e_proc_exec_threads progs/proc_exec_threads.c)
target_link_libraries(e2e_proc_exec_threads PRIVATE pthread)
junction_e2e(proc_exec_threads TIMEOUT 60 COMMAND $<TARGET_FILE:e2e_proc_exec_threads>)
junction_e2e(proc_exec_threads_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 60
             COMMAND $<TARGET_FILE:e2e_proc_exec_threads>)
add_executable(e2e_proc_reparent progs/proc_reparent.c)
junction_e2e(proc_reparent COMMAND $<TARGET_FILE:e2e_proc_reparent>)
add_test(NAME e2e.proc_teardown COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_teardown_test.sh $<TARGET_FILE:junction>)
set_tests_properties(e2e.proc_teardown PROPERTIES LABELS e2e TIMEOUT 120)
# Pool(2).map and a Lock contended across processes (futexes in MAP_SHARED memory).
junction_e2e(proc_python_multiprocessing COMMAND python3 ${E2E_DATA}/proc/multiprocessing_pool.py)
# A thread parked reading a pipe shared with a child while another never
# blocks (CPU, poll() of that pipe, sched_yield): the reader must be woken
# with one core (the pool's result handler hung so, its worker handler
# looping on the readable results pipe).
add_executable(e2e_proc_pipe_busy_reader progs/proc_pipe_busy_reader.c)
target_link_libraries(e2e_proc_pipe_busy_reader PRIVATE pthread)
junction_e2e(proc_pipe_busy_reader COMMAND $<TARGET_FILE:e2e_proc_pipe_busy_reader>)
set_tests_properties(e2e.proc_pipe_busy_reader PROPERTIES TIMEOUT 60)

# Timers (issue 4): POSIX timers on wall and CPU clocks, glibc's SIGEV_THREAD.
junction_e2e(timers_posix COMMAND $<TARGET_FILE:e2e_timers_posix>)
# sigqueue, rt_sigqueueinfo, rt_tgsigqueueinfo: values, permissions, threads, a child.
junction_e2e(signals_queue COMMAND $<TARGET_FILE:e2e_signals_queue>)
# Real-time signals queue (FIFO, lowest first), standard ones coalesce: sigwaitinfo,
# handlers, signalfd, thread- before process-directed, SigQ, RLIMIT_SIGPENDING.
junction_e2e(signals_rt_queue COMMAND $<TARGET_FILE:e2e_signals_rt_queue>)
# CPU time: getrusage SELF/THREAD/CHILDREN, times(), the CPU-time clocks.
junction_e2e(rusage_cpu COMMAND $<TARGET_FILE:e2e_rusage_cpu>)
# setitimer/getitimer/alarm: REAL, VIRTUAL and PROF on the process's CPU time.
junction_e2e(timers_itimer COMMAND $<TARGET_FILE:e2e_timers_itimer>)
# futex_waitv, FUTEX_WAIT_REQUEUE_PI/CMP_REQUEUE_PI, a PI mutex with a condvar.
junction_e2e(futex_waitv_pi COMMAND $<TARGET_FILE:e2e_futex_waitv_pi>)
# FUTEX_REQUEUE/CMP_REQUEUE: errors, waiters woken and moved to another word.
junction_e2e(futex_requeue COMMAND $<TARGET_FILE:e2e_futex_requeue>)
# sched_setaffinity/getaffinity and getcpu: a two-core container against this
# two-CPU machine.
junction_e2e(sched_affinity_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_sched_affinity>)
# rseq: glibc's registration, cpu_id across cores, errors, an aborted critical section.
junction_e2e(rseq_cpu_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_rseq_cpu>)

# sendmmsg/recvmmsg (glibc's resolver sends with sendmmsg) on host UDP, unix
# dgram pairs and, in bypass mode, the LibOS stack's UDP sockets.
add_executable(e2e_net_mmsg progs/net_mmsg.c)
junction_e2e(net_mmsg COMMAND $<TARGET_FILE:e2e_net_mmsg>)
add_test(NAME e2e.net_bypass_mmsg
         COMMAND ${E2E_COMPARE} $<TARGET_FILE:junction> ${E2E_DATA}/net_bypass.toml -- $<TARGET_FILE:e2e_net_mmsg>)
set_tests_properties(e2e.net_bypass_mmsg PROPERTIES LABELS e2e TIMEOUT 120)
# Unix sockets: SO_PEERCRED/SCM_CREDENTIALS give container pids (also
# across fork); EPIPE and SIGPIPE after shutdown or close as Linux per type.
add_executable(e2e_unix_peercred progs/unix_peercred.c)
junction_e2e(unix_peercred COMMAND $<TARGET_FILE:e2e_unix_peercred>)
# Unix socket options at another level than SOL_SOCKET: EOPNOTSUPP (was ENOPROTOOPT).
add_executable(e2e_unix_sockopt_levels progs/unix_sockopt_levels.c)
junction_e2e(unix_sockopt_levels COMMAND $<TARGET_FILE:e2e_unix_sockopt_levels>)
add_executable(e2e_unix_shutdown_epipe progs/unix_shutdown_epipe.c)
junction_e2e(unix_shutdown_epipe COMMAND $<TARGET_FILE:e2e_unix_shutdown_epipe>)
# getaddrinfo through glibc's resolver against a local DNS responder.
add_executable(e2e_net_dns_lookup progs/net_dns_lookup.c)
add_test(NAME e2e.net_dns
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/net_dns_test.sh ${E2E_COMPARE} $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_net_dns_lookup> ${E2E_DATA}/dns_responder.py)
set_tests_properties(e2e.net_dns PROPERTIES LABELS e2e TIMEOUT 120)

# The differential system call fuzzer (progs/syscall_fuzz.c, run by
# syscall_fuzz_test.sh; more seeds by hand: scripts/syscall-fuzz.sh).
# robust: every generator, 20 seeds: the LibOS must neither crash, hang
# nor report a LibOS bug, and the guest must finish (bad pointers EFAULT).
# exact: the generators whose results match Linux call for call (the
# others' known differences: docs/syscalls.md), 20 seeds, transcripts equal.
add_executable(e2e_syscall_fuzz progs/syscall_fuzz.c)
add_test(NAME e2e.syscall_fuzz_robust
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/syscall_fuzz_test.sh --robust $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_syscall_fuzz> 1 20 1000)
add_test(NAME e2e.syscall_fuzz_exact
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/syscall_fuzz_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_syscall_fuzz> 1 20 1000 openat,close,pipe,eventfd,dup,lseek,access,brk,probe)
# robust_2cores: the same on two kthreads (the signal, timer and fd calls
# meet the second kthread's scheduler and preemption).
add_test(NAME e2e.syscall_fuzz_robust_2cores
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/syscall_fuzz_test.sh --robust $<TARGET_FILE:junction> ${E2E_DATA}/two_cores.toml
                 $<TARGET_FILE:e2e_syscall_fuzz> 2071 2080 1000)
# threads: seed 5 with every generator and the opt-in threads one, 10 runs
# (a failed waitid zeroed a trampoline page's entry word in about 1 run in
# 4 on the old binary: the guest jumped to address 0).
add_test(NAME e2e.syscall_fuzz_threads
         COMMAND env FUZZ_REPEAT=10 ${CMAKE_CURRENT_SOURCE_DIR}/syscall_fuzz_test.sh --robust $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_syscall_fuzz> 5 5 720
                 openat,close,close_range,dup,read,write,lseek,truncate,fallocate,fsync,stat,access,mkdir_etc,fchmod,getdents,cwd,pipe,eventfd,epoll,poll,socket,sockcall,sendrecv,mmap,munmap_etc,mremap,brk,probe,sigaction,sigmask,kill,signalfd,timer,futex,misc,splice,memfd,threads)
set_tests_properties(e2e.syscall_fuzz_robust e2e.syscall_fuzz_exact e2e.syscall_fuzz_robust_2cores
                     e2e.syscall_fuzz_threads PROPERTIES LABELS e2e TIMEOUT 300)
# ps, pgrep, pkill, kill -0 and /proc/PID of the container's other processes
# (fs/procfs_peer.h), compared with the same script as the init of a pid
# namespace natively.
foreach(app_name IN ITEMS proc_peer_view:${E2E_APP} proc_peer_view_2cores:${E2E_DATA}/two_cores.toml)
  string(REPLACE ":" ";" parts ${app_name})
  list(GET parts 0 name)
  list(GET parts 1 app)
  add_test(NAME e2e.${name}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_peer_view_test.sh $<TARGET_FILE:junction> ${app}
                   ${E2E_DATA}/proc/peer_view.sh)
  set_tests_properties(e2e.${name} PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
endforeach()
# Thread names (PR_SET_NAME from the main thread and another, inherited by
# new threads and fork children): the process's comm is its main thread's.
add_test(NAME e2e.proc_peer_thread_names
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_peer_view_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 ${E2E_DATA}/proc/peer_thread_names.sh)
set_tests_properties(e2e.proc_peer_thread_names PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# Children of a process ignoring SIGCHLD or with SA_NOCLDWAIT: reaped at
# their exit or kill (no zombie in /proc or ps, kill -0 ESRCH, wait ECHILD).
add_test(NAME e2e.proc_peer_autoreap
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_peer_view_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 ${E2E_DATA}/proc/peer_autoreap.sh)
set_tests_properties(e2e.proc_peer_autoreap PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# /proc/PID is owned by the process's effective uid and gid (ps's USER).
add_test(NAME e2e.proc_peer_owner
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_peer_view_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 ${E2E_DATA}/proc/peer_owner.sh)
set_tests_properties(e2e.proc_peer_owner PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# A process that changed its uid without exec is not dumpable: only root
# may read its environ, exe, cwd; its files are root's; PR_GET_DUMPABLE 0.
add_test(NAME e2e.proc_peer_dumpable
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_peer_view_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 ${E2E_DATA}/proc/peer_dumpable.sh)
set_tests_properties(e2e.proc_peer_dumpable PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# ps's TTY column on a terminal (script(1)), natively and under junction.
add_test(NAME e2e.proc_peer_tty
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_peer_tty_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 ${E2E_DATA}/proc/peer_tty.sh)
set_tests_properties(e2e.proc_peer_tty PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
