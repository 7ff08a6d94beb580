# The VFS sources (and the file system call handlers split from sys_file.cc),
# included by src/libos/CMakeLists.txt into junction_libos.
set(JUNCTION_VFS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/fd_table.cc
  ${CMAKE_CURRENT_LIST_DIR}/file.cc
  ${CMAKE_CURRENT_LIST_DIR}/fifo_open.cc
  ${CMAKE_CURRENT_LIST_DIR}/host_fs.cc
  ${CMAKE_CURRENT_LIST_DIR}/path.cc
  ${CMAKE_CURRENT_LIST_DIR}/procfs.cc
  ${CMAKE_CURRENT_LIST_DIR}/synthetic.cc
  ${CMAKE_CURRENT_LIST_DIR}/terminal.cc
  ${CMAKE_CURRENT_LIST_DIR}/tmpfs.cc
  ${CMAKE_CURRENT_LIST_DIR}/vfs.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_fd.cc
  # Objects and readiness (docs/ipc.md).
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/common.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/pipe.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/eventfd.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/timerfd.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/clock_watch.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/signalfd.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/poll.cc
  ${CMAKE_CURRENT_LIST_DIR}/../ipc/epoll.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_common.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_pipe.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_event.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_epoll.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_poll.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/unix_socket.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/host_socket.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/bypass.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/port_claims.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/process_link.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/inet_socket.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/netlink_socket.cc
  ${CMAKE_CURRENT_LIST_DIR}/../net/rtnetlink.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_socket.cc
)
