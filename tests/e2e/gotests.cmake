# Bugs found by running Go's standard-library tests under junction (each
# program compared with Linux), and a curated run of those tests.
add_executable(e2e_ipc_epoll_dup_host progs/ipc_epoll_dup_host.c)
junction_e2e(ipc_epoll_dup_host COMMAND $<TARGET_FILE:e2e_ipc_epoll_dup_host>)
# Closing both numbers of such a dup'ed listener while an epoll_wait is
# parked on the set: the listener closes at once (connect refused).
add_executable(e2e_ipc_epoll_parked_close progs/ipc_epoll_parked_close.c)
target_link_libraries(e2e_ipc_epoll_parked_close PRIVATE pthread)
junction_e2e(ipc_epoll_parked_close COMMAND $<TARGET_FILE:e2e_ipc_epoll_parked_close>)
junction_e2e(ipc_epoll_parked_close_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_epoll_parked_close>)
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
add_executable(e2e_net_unix_dgram_sender progs/net_unix_dgram_sender.c)
junction_e2e(net_unix_dgram_sender COMMAND $<TARGET_FILE:e2e_net_unix_dgram_sender>)
# Small receives into a 1 GiB MAP_NORESERVE buffer: no LibOS buffer (or
# probe of guest pages) sized by it (the peak RSS stays small, as natively).
add_executable(e2e_net_recv_huge_buffer progs/net_recv_huge_buffer.c)
junction_e2e(net_recv_huge_buffer COMMAND $<TARGET_FILE:e2e_net_recv_huge_buffer>)
# /proc/net's host tables in host network mode (not dev: its counters move).
# Only what no parallel test changes: igmp's header, lo's all-nodes groups
# and lo's ::1 (a test joining a group or adding an address changes the rest).
junction_e2e(proc_net_host FILTER "grep -E -e '^Idx' -e '^1 +lo +ff0[12]0+1 ' -e '^0+1 .* lo$'"
             COMMAND cat /proc/net/igmp /proc/net/igmp6 /proc/net/if_inet6)

# Go's standard-library tests under junction with two cores and
# GOMAXPROCS=2: go_stdlib_test.sh builds each package's test binary from
# the Debian toolchain's sources (cached in this directory's GOCACHE: the
# first run compiles, ~90 s on 2 loaded cores; later ones take ~20 s) and
# fails on any failing test not in data/go_stdlib_skip.txt (a reason per
# entry). Packages that mostly test the LibOS's calls; the pure-Go ones
# (sync, context, io/fs) pass too, and net and runtime all but one test
# each, but they would double the build (docs/performance.md, gotests).
if(GO_EXECUTABLE)
  add_test(NAME e2e.go_stdlib
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/go_stdlib_test.sh $<TARGET_FILE:junction>
                   ${E2E_DATA}/two_cores.toml ${GO_EXECUTABLE} ${CMAKE_CURRENT_BINARY_DIR}/go_stdlib
                   ${E2E_DATA}/go_stdlib_skip.txt
                   os os/exec os/signal syscall path/filepath os/user time)
  set_tests_properties(e2e.go_stdlib PROPERTIES LABELS e2e TIMEOUT 400)
endif()
