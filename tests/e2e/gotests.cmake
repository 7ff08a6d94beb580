# Bugs found by running Go's standard-library tests under junction (each
# program compared with Linux), and a curated run of those tests.
add_executable(e2e_ipc_epoll_dup_host progs/ipc_epoll_dup_host.c)
junction_e2e(ipc_epoll_dup_host COMMAND $<TARGET_FILE:e2e_ipc_epoll_dup_host>)
add_executable(e2e_net_unix_empty_dgram progs/net_unix_empty_dgram.c)
junction_e2e(net_unix_empty_dgram COMMAND $<TARGET_FILE:e2e_net_unix_empty_dgram>)
add_executable(e2e_net_recvmsg_cmsg_cloexec progs/net_recvmsg_cmsg_cloexec.c)
junction_e2e(net_recvmsg_cmsg_cloexec COMMAND $<TARGET_FILE:e2e_net_recvmsg_cmsg_cloexec>)
add_executable(e2e_proc_status_groups progs/proc_status_groups.c)
junction_e2e(proc_status_groups COMMAND $<TARGET_FILE:e2e_proc_status_groups>)
add_executable(e2e_ipc_epoll_host_add_wakes progs/ipc_epoll_host_add_wakes.c)
target_link_libraries(e2e_ipc_epoll_host_add_wakes PRIVATE pthread)
junction_e2e(ipc_epoll_host_add_wakes COMMAND $<TARGET_FILE:e2e_ipc_epoll_host_add_wakes>)
junction_e2e(ipc_epoll_host_add_wakes_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_epoll_host_add_wakes>)
