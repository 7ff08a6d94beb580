# e2e tests of Linux behaviour the LibOS lacked (long paths, unshare,
# sched_setattr, per-thread /proc fields), each compared with the same
# program on Linux; included by CMakeLists.txt.

# Paths deeper than PATH_MAX reached by relative steps (openat from a deep
# descriptor, chdir, fchdir) failed with ENAMETOOLONG: the LibOS handed
# the host the whole path below the mount. Arguments of PATH_MAX bytes,
# names over NAME_MAX, getcwd and /proc/self/fd of deep files as Linux.
add_executable(e2e_fs_long_paths progs/fs_long_paths.c)
junction_e2e(fs_long_paths COMMAND $<TARGET_FILE:e2e_fs_long_paths>)
# mkdir -p, cd, pwd, find, du, tar and rm -r on a 5.5 KB deep tree.
junction_e2e(fs_deep_tree_tools COMMAND bash ${E2E_DATA}/gaps/deep_tree.sh)
# sched_setattr/sched_getattr were ENOSYS: sizes, flags, nice and slices,
# real-time priorities, SCHED_DEADLINE's parameter and permission checks
# (two cores: the native machine's count).
add_executable(e2e_sched_attr progs/sched_attr.c)
target_link_libraries(e2e_sched_attr PRIVATE pthread)
junction_e2e(sched_attr APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_sched_attr>)
# Admitted deadline tasks (no fork, affinity kept whole, reset-on-fork,
# admission) and chrt(1), only while the host admits one (else skipped).
foreach(name sched_attr_deadline tools_chrt)
  if(name STREQUAL tools_chrt)
    set(cmd bash ${E2E_DATA}/gaps/chrt.sh)
  else()
    set(cmd $<TARGET_FILE:e2e_sched_attr> deadline)
  endif()
  add_test(NAME e2e.${name}
           COMMAND ${E2E_DATA}/gaps/if_host_admits_deadline.sh $<TARGET_FILE:e2e_sched_attr> --
                   ${E2E_COMPARE} $<TARGET_FILE:junction> ${E2E_DATA}/two_cores.toml -- ${cmd})
  # One at a time: both ask the host's deadline bandwidth, shared by the
  # whole machine, which each test's probe assumes free.
  set_tests_properties(e2e.${name} PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77
                       RESOURCE_LOCK host_deadline_bandwidth)
endforeach()
# /proc/self/task/TID/status had no SigPnd/SigBlk (per thread), and a
# thread waiting for a file lock another process holds (a host call on its
# kthread) showed R, not S. Two cores: on one, that wait holds the only
# kthread (docs/architecture.md, "Exec and threads blocked in host calls").
add_executable(e2e_proc_thread_status progs/proc_thread_status.c)
target_link_libraries(e2e_proc_thread_status PRIVATE pthread)
junction_e2e(proc_thread_status APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_proc_thread_status>)
# unshare was ENOSYS: Linux's flag checks, what a process of one thread may
# unshare (CLONE_SYSVSEM applying its SEM_UNDO adjustments), EINVAL for
# THREAD/SIGHAND/VM with another thread, EPERM for namespaces.
add_executable(e2e_unshare_flags progs/unshare_flags.c)
target_link_libraries(e2e_unshare_flags PRIVATE pthread)
junction_e2e(unshare_flags COMMAND $<TARGET_FILE:e2e_unshare_flags>)
# Unix sockets: SO_RCVTIMEO/SO_SNDTIMEO were ignored (a recv waited
# forever); SCM_RIGHTS on a stream went with whichever read came next, not
# the first byte of their send; recv after SHUT_RD was 0 with data queued;
# unknown SOL_SOCKET options were accepted; shutdown of an unconnected
# socket was ENOTCONN.
add_executable(e2e_unix_socket_gaps progs/unix_socket_gaps.c)
junction_e2e(unix_socket_gaps COMMAND $<TARGET_FILE:e2e_unix_socket_gaps>)
# Two threads setting the same socket's generic options at once crashed
# the LibOS (an unlocked map). Two kthreads; on the old binary about one
# run in three crashes or hangs.
add_executable(e2e_unix_sockopt_threads progs/unix_sockopt_threads.c)
target_link_libraries(e2e_unix_sockopt_threads PRIVATE pthread)
junction_e2e(unix_sockopt_threads_2cores APP ${E2E_DATA}/two_cores.toml TIMEOUT 60
             COMMAND $<TARGET_FILE:e2e_unix_sockopt_threads>)
# SO_RCVTIMEO/SO_SNDTIMEO were ignored once a fork made the socket a host
# socket (a pair, a shared listener, a connected datagram socket): recv,
# send and accept waited forever; they and the generic options read back 0.
add_executable(e2e_unix_timeouts_after_fork progs/unix_timeouts_after_fork.c)
junction_e2e(unix_timeouts_after_fork TIMEOUT 60 COMMAND $<TARGET_FILE:e2e_unix_timeouts_after_fork>)
# shutdown(SHUT_RD/SHUT_RDWR) left a thread blocked in recv or accept on
# the same socket waiting (Linux: recv 0, accept EINVAL).
add_executable(e2e_unix_shutdown_wakes progs/unix_shutdown_wakes.c)
target_link_libraries(e2e_unix_shutdown_wakes PRIVATE pthread)
junction_e2e(unix_shutdown_wakes COMMAND $<TARGET_FILE:e2e_unix_shutdown_wakes>)
junction_e2e(unix_shutdown_wakes_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_unix_shutdown_wakes>)
# SO_RCVLOWAT was kept and read back without effect: a stream recv
# returned what was queued ("ab") where Linux waits for the mark ("abcd").
add_executable(e2e_unix_rcvlowat progs/unix_rcvlowat.c)
target_link_libraries(e2e_unix_rcvlowat PRIVATE pthread)
junction_e2e(unix_rcvlowat COMMAND $<TARGET_FILE:e2e_unix_rcvlowat>)
# SO_RCVTIMEO_NEW/SO_SNDTIMEO_NEW were ENOPROTOOPT on unix sockets.
add_executable(e2e_unix_timeo_new progs/unix_timeo_new.c)
junction_e2e(unix_timeo_new COMMAND $<TARGET_FILE:e2e_unix_timeo_new>)
# epoll_wait with an events buffer it cannot write (unmapped, read-only,
# NULL) was EFAULT before waiting; Linux checks only that it lies in user
# space: 0 if nothing is reported, EFAULT once an event is to be copied
# (at once or during a blocking wait), the event left queued.
add_executable(e2e_epoll_events_fault progs/epoll_events_fault.c)
target_link_libraries(e2e_epoll_events_fault PRIVATE pthread)
junction_e2e(epoll_events_fault COMMAND $<TARGET_FILE:e2e_epoll_events_fault>)
# ... and an edge-triggered or one-shot member's event arriving during such
# a wait was taken and lost (Linux puts it back for the next wait).
add_executable(e2e_epoll_fault_keeps_event progs/epoll_fault_keeps_event.c)
target_link_libraries(e2e_epoll_fault_keeps_event PRIVATE pthread)
junction_e2e(epoll_fault_keeps_event COMMAND $<TARGET_FILE:e2e_epoll_fault_keeps_event>)
# A signal did not interrupt a wait for a file lock (flock, F_SETLKW,
# F_OFD_SETLKW: a host call blocking the kthread): EINTR without
# SA_RESTART, the wait going on with it, a blocked signal ignored; on one
# core and two. util-linux's `flock -w` times out as natively.
add_executable(e2e_lock_wait_signal progs/lock_wait_signal.c)
junction_e2e(lock_wait_signal COMMAND $<TARGET_FILE:e2e_lock_wait_signal>)
junction_e2e(lock_wait_signal_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_lock_wait_signal>)
junction_e2e(tools_flock_timeout COMMAND bash ${E2E_DATA}/gaps/flock_timeout.sh)
# Calls that never wait (F_SETLK, F_GETLK, flock LOCK_NB or LOCK_UN,
# TCGETS, TIOCGWINSZ) gave EINTR for a signal arriving during them, as the
# waiting ones do; Linux never does (isatty could fail).
add_executable(e2e_nonwaiting_calls_signal progs/nonwaiting_calls_signal.c)
target_link_libraries(e2e_nonwaiting_calls_signal PRIVATE pthread)
junction_e2e(nonwaiting_calls_signal_2cores APP ${E2E_DATA}/two_cores.toml
             COMMAND $<TARGET_FILE:e2e_nonwaiting_calls_signal>)
# capget/capset were ENOSYS: the host process's sets at start, version
# negotiation, EFAULT/ESRCH/EPERM, capset's rules, set*uid and exec;
# prctl's ambient and bounding sets and no_new_privs (the host process's
# is set for junction's seccomp filter); capsh --print as root.
add_executable(e2e_capability_sets progs/capability_sets.c)
junction_e2e(capability_sets COMMAND $<TARGET_FILE:e2e_capability_sets>)
# capget of a new child from its parent gave the sets the child's process
# table slot had before (none, or a previous owner's), not the parent's.
add_executable(e2e_capability_fork_child progs/capability_fork_child.c)
junction_e2e(capability_fork_child COMMAND $<TARGET_FILE:e2e_capability_fork_child>)
junction_e2e(tools_capsh NEEDS capsh COMMAND bash ${E2E_DATA}/gaps/capsh.sh)
# name_to_handle_at and open_by_handle_at were ENOSYS: the host's handle
# of the file the LibOS resolved (by path, descriptor, symlink or not),
# the container's mount id, Linux's errors; open_by_handle_at is EPERM
# (compared without CAP_DAC_READ_SEARCH, where Linux refuses too).
add_executable(e2e_fs_file_handle progs/fs_file_handle.c)
junction_e2e(fs_file_handle COMMAND $<TARGET_FILE:e2e_fs_file_handle>)
# unshare(CLONE_FS) in a thread of several was EINVAL: the thread gets a
# working directory of its own (Go's LockOSThread pattern).
add_executable(e2e_unshare_thread_fs progs/unshare_thread_fs.c)
target_link_libraries(e2e_unshare_thread_fs PRIVATE pthread)
junction_e2e(unshare_thread_fs COMMAND $<TARGET_FILE:e2e_unshare_thread_fs>)
junction_e2e(unshare_thread_fs_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_unshare_thread_fs>)
