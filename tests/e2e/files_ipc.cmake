# e2e tests of files, terminals and IPC objects (issue 5), kept apart from
# programs.cmake so parallel work does not collide; included by
# CMakeLists.txt after it.

# Terminals (issue 5): a session on a pty (isatty, window size, termios,
# SIGWINCH, ^Z, ^C, ^D, a stop and continue) compared transcript for
# transcript, and a pty pair the guest opens itself.
add_test(NAME e2e.pty_session
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/pty_session_test.py $<TARGET_FILE:junction>
                 ${E2E_APP} ${E2E_DATA}/pty_guest.py)
set_tests_properties(e2e.pty_session PROPERTIES LABELS e2e TIMEOUT 120
  PASS_REGULAR_EXPRESSION "PASS: same terminal session")
junction_e2e(pty_openpty COMMAND python3 ${E2E_DATA}/pty_openpty.py)

# signalfd (readers, poll and epoll woken when a signal becomes pending;
# siginfo fields by sender; SIGCHLD) and the temporary masks of
# ppoll/pselect6/epoll_pwait while the handler runs; on one core and two.
add_executable(e2e_ipc_signalfd progs/ipc_signalfd.c)
target_link_libraries(e2e_ipc_signalfd PRIVATE pthread)
junction_e2e(ipc_signalfd COMMAND $<TARGET_FILE:e2e_ipc_signalfd>)
add_test(NAME e2e.ipc_signalfd_2cores
         COMMAND ${E2E_COMPARE} $<TARGET_FILE:junction> ${E2E_DATA}/two_cores.toml
                 -- $<TARGET_FILE:e2e_ipc_signalfd>)
set_tests_properties(e2e.ipc_signalfd_2cores PROPERTIES LABELS e2e TIMEOUT 120)

# timerfd, and TFD_TIMER_CANCEL_ON_SET with CLOCK_REALTIME set from outside
# (to its own value; skipped without CAP_SYS_TIME).
add_executable(e2e_ipc_timerfd progs/ipc_timerfd.c)
junction_e2e(ipc_timerfd COMMAND $<TARGET_FILE:e2e_ipc_timerfd>)
add_test(NAME e2e.ipc_timerfd_cancel
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/timerfd_cancel_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_ipc_timerfd>)
set_tests_properties(e2e.ipc_timerfd_cancel PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
