# CPython's own regression suite (Debian's libpython3.11-testsuite) as a
# conformance test of the LibOS, and the bugs it found, each compared
# with native Linux.

# epoll_wait reports every ready member up to maxevents (was at most 1024).
add_executable(e2e_ipc_epoll_many_ready progs/ipc_epoll_many_ready.c)
junction_e2e(ipc_epoll_many_ready COMMAND $<TARGET_FILE:e2e_ipc_epoll_many_ready>)
# pidfd_open(-1) from C is EINVAL (the pid is a 32-bit pid_t).
add_executable(e2e_proc_pidfd_open_args progs/proc_pidfd_open_args.c)
junction_e2e(proc_pidfd_open_args COMMAND $<TARGET_FILE:e2e_proc_pidfd_open_args>)
# pidfd_send_signal takes a /proc/PID directory as a pidfd (was EBADF).
add_executable(e2e_signals_pidfd_procdir progs/signals_pidfd_procdir.c)
junction_e2e(signals_pidfd_procdir COMMAND $<TARGET_FILE:e2e_signals_pidfd_procdir>)
# A umask clearing fewer bits than junction's own (002, 0) is the only one
# applied (the host's was applied too).
add_executable(e2e_fs_umask_modes progs/fs_umask_modes.c)
junction_e2e(fs_umask_modes COMMAND $<TARGET_FILE:e2e_fs_umask_modes>)
# F_SETPIPE_SZ's capacity survives a fork (the host pipe kept 64 KiB).
add_executable(e2e_ipc_pipe_size_fork progs/ipc_pipe_size_fork.c)
junction_e2e(ipc_pipe_size_fork COMMAND $<TARGET_FILE:e2e_ipc_pipe_size_fork>)
# sched_rr_get_interval of a SCHED_OTHER task (its host call was refused).
add_executable(e2e_sched_rr_interval_other progs/sched_rr_interval_other.c)
target_link_libraries(e2e_sched_rr_interval_other PRIVATE pthread)
junction_e2e(sched_rr_interval_other COMMAND $<TARGET_FILE:e2e_sched_rr_interval_other>)
# Unix socket autobind: bind() with only the family (was EINVAL).
add_executable(e2e_net_unix_autobind progs/net_unix_autobind.c)
junction_e2e(net_unix_autobind COMMAND $<TARGET_FILE:e2e_net_unix_autobind>)

# A forked child answers a datagram to recvfrom's address: a bound sender
# reaching a shared (host) socket becomes a host socket too, so its
# datagrams carry an address (they carried none, the reply was lost).
add_executable(e2e_net_unix_dgram_forked_reply progs/net_unix_dgram_forked_reply.c)
junction_e2e(net_unix_dgram_forked_reply COMMAND $<TARGET_FILE:e2e_net_unix_dgram_forked_reply>)

# An open that gets descriptor 1 (stdout closed) returns it, once (the lazy
# open took 1 for "not lazy" and opened again: 3, and 1 left open).
add_executable(e2e_fs_open_after_stdout_closed progs/fs_open_after_stdout_closed.c)
junction_e2e(fs_open_after_stdout_closed COMMAND $<TARGET_FILE:e2e_fs_open_after_stdout_closed>)

# SIOCGIFINDEX/SIOCGIFNAME on any socket (were ENOTTY on LibOS sockets).
add_executable(e2e_net_interface_ioctl progs/net_interface_ioctl.c)
junction_e2e(net_interface_ioctl COMMAND $<TARGET_FILE:e2e_net_interface_ioctl>)
# SIOCGIFCONF and the SIOCGIF* queries of lo on unix, inet and inet6
# sockets (Erlang's inet:getiflist/ifget, ifconfig): host mode against
# Linux, in bypass mode too (lo), and eth0 of a bypass container.
add_executable(e2e_net_interface_query progs/net_interface_query.c)
junction_e2e(net_interface_query COMMAND $<TARGET_FILE:e2e_net_interface_query>)
junction_e2e(net_bypass_interface_query_lo APP ${E2E_DATA}/net_bypass.toml
             COMMAND $<TARGET_FILE:e2e_net_interface_query>)
add_test(NAME e2e.net_bypass_interface_query
         COMMAND $<TARGET_FILE:junction> run ${E2E_DATA}/net_bypass.toml -- python3 ${E2E_DATA}/net_interface_query_bypass.py)
set_tests_properties(e2e.net_bypass_interface_query PROPERTIES LABELS e2e
  PASS_REGULAR_EXPRESSION "^interfaces \\[\\('lo', '127.0.0.1'\\), \\('eth0', '10.99.0.2'\\)\\]\nflags up True broadcast True loopback False\nmtu 1500\naddr 10.99.0.2\nnetmask 255.255.255.0\nbroadcast 10.99.0.255\nhw family 1\neth1 True\n$")

# Ancillary data of host internet sockets, both ways (was dropped).
add_executable(e2e_net_udp_ancillary progs/net_udp_ancillary.c)
junction_e2e(net_udp_ancillary COMMAND $<TARGET_FILE:e2e_net_udp_ancillary>)

# /proc/PID/status shows ShdPnd, SigIgn and SigCgt (were missing).
add_executable(e2e_proc_status_signals progs/proc_status_signals.c)
junction_e2e(proc_status_signals COMMAND $<TARGET_FILE:e2e_proc_status_signals>)

# CPython's regression suite under junction, in parts of about a minute
# each (the lists in data/cpython/ say which modules, and which
# cases are left out and why). Skipped (77) without Debian's python3 and
# libpython3.11-testsuite. cpython_suite.sh --native runs a list on Linux.
foreach(part files ipc processes sockets fork_wait servers archives file_io asyncio futures multiprocessing multiprocessing_misc)
  add_test(NAME e2e.cpython_suite_${part}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cpython_suite.sh $<TARGET_FILE:junction>
                   ${E2E_DATA}/two_cores.toml ${E2E_DATA}/cpython/${part}.txt)
  set_tests_properties(e2e.cpython_suite_${part} PROPERTIES LABELS e2e TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()
