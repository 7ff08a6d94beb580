# Processes: the container's shared process table, fork/clone of processes,
# wait (docs/architecture.md, Processes).
set(JUNCTION_PROC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/process_table.cc
  ${CMAKE_CURRENT_LIST_DIR}/process_doorbell.cc
  ${CMAKE_CURRENT_LIST_DIR}/process_view.cc
  ${CMAKE_CURRENT_LIST_DIR}/task_sched.cc
  ${CMAKE_CURRENT_LIST_DIR}/task_deadline.cc
  ${CMAKE_CURRENT_LIST_DIR}/host_objects.cc
  ${CMAKE_CURRENT_LIST_DIR}/teardown_watchdog.cc
  ${CMAKE_CURRENT_LIST_DIR}/child_kthreads.cc
  ${CMAKE_CURRENT_LIST_DIR}/libc_fork_locks.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_proc_fork.cc
  ${CMAKE_CURRENT_LIST_DIR}/../syscalls/sys_wait.cc
)
