# Servers an operator runs (gunicorn, memcached, lighttpd, haproxy) natively
# and under junction, and the focused regression tests of the LibOS bugs
# they found.

# Signal frames carry the XSAVE image Linux gives the process (no AMX tile
# data unless asked for; gunicorn's gthread workers crashed the LibOS when
# a preemption copied a larger image past the top of its signal stack),
# and one too big for the alternate stack kills with SIGSEGV.
add_executable(e2e_signals_xstate_frame progs/signals_xstate_frame.c)
junction_e2e(signals_xstate_frame COMMAND $<TARGET_FILE:e2e_signals_xstate_frame>)

# Bypass containers through a TAP daemon in a namespace (root; label net):
# tests/net/net_servers_test.sh.
foreach(case epoll_claim)
  add_test(NAME net.servers_${case}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/net/net_servers_test.sh ${case} $<TARGET_FILE:junction>)
  set_tests_properties(net.servers_${case} PROPERTIES
    LABELS net TIMEOUT 180 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endforeach()
