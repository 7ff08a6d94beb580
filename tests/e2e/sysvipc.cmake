# System V IPC (docs/ipc.md "System V IPC"): shared memory and semaphores
# across fork, exec and exit with Linux's errno cases, on one core and
# two; util-linux's ipcmk/ipcs/ipcrm; PostgreSQL's postmaster.
add_executable(e2e_ipc_sysv progs/ipc_sysv.c)
junction_e2e(ipc_sysv COMMAND $<TARGET_FILE:e2e_ipc_sysv>)
junction_e2e(ipc_sysv_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_sysv>)
junction_e2e(ipc_sysv_tools FILTER ${E2E_DATA}/ipc_sysv_tools_filter.sh
             COMMAND sh ${E2E_DATA}/ipc_sysv_tools.sh)
# PostgreSQL's postmaster (its System V interlock segment, forked backends)
# with a psql workload and a second connection, natively and under junction
# as a non-root user; no server process left after the fast shutdown.
add_test(NAME e2e.proc_postgres COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/proc_postgres_test.sh $<TARGET_FILE:junction>)
set_tests_properties(e2e.proc_postgres PROPERTIES LABELS e2e TIMEOUT 180 SKIP_RETURN_CODE 77)
# Edge cases of review findings: semtimedop's saturated timeout, SHM_REMAP
# over attachments, shmget's size refusals.
add_executable(e2e_ipc_sysv_edge_cases progs/ipc_sysv_edge_cases.c)
junction_e2e(ipc_sysv_edge_cases COMMAND $<TARGET_FILE:e2e_ipc_sysv_edge_cases>)
# Container processes killed from outside mid-call (a registry lock held by
# a dead process, zombie or reaped): the others carry on.
add_executable(e2e_ipc_sysv_host_kill progs/ipc_sysv_host_kill.c)
add_test(NAME e2e.ipc_sysv_host_kill
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ipc_sysv_host_kill_test.sh $<TARGET_FILE:junction>
                 $<TARGET_FILE:e2e_ipc_sysv_host_kill>)
set_tests_properties(e2e.ipc_sysv_host_kill PROPERTIES LABELS e2e TIMEOUT 240)
# Waits across processes (process-shared futexes, mutexes and condition
# variables, sem_t, named semaphores, System V semaphores and queues) with
# timeouts, EINTR and killed waiters, compared with Linux; a wake-up after
# a long wait must be about as prompt as Linux's (no polling).
add_executable(e2e_xproc_wait progs/xproc_wait.c)
target_link_libraries(e2e_xproc_wait PRIVATE pthread)
add_test(NAME e2e.xproc_wait
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/xproc_wait_test.sh $<TARGET_FILE:junction> $<TARGET_FILE:e2e_xproc_wait>)
set_tests_properties(e2e.xproc_wait PROPERTIES LABELS e2e TIMEOUT 240)
