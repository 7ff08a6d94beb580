# Servers an operator runs (gunicorn, memcached, lighttpd, haproxy) natively
# and under junction, and the focused regression tests of the LibOS bugs
# they found.

# Signal frames carry the XSAVE image Linux gives the process (no AMX tile
# data unless asked for; gunicorn's gthread workers crashed the LibOS when
# a preemption copied a larger image past the top of its signal stack),
# and one too big for the alternate stack kills with SIGSEGV.
add_executable(e2e_signals_xstate_frame progs/signals_xstate_frame.c)
junction_e2e(signals_xstate_frame COMMAND $<TARGET_FILE:e2e_signals_xstate_frame>)
add_executable(e2e_signals_sigreturn_checks progs/signals_sigreturn_checks.c)
junction_e2e(signals_sigreturn_checks COMMAND $<TARGET_FILE:e2e_signals_sigreturn_checks>)
add_executable(e2e_signals_carried_fault progs/signals_carried_fault.c)
junction_e2e(signals_carried_fault COMMAND $<TARGET_FILE:e2e_signals_carried_fault>)

# Each server natively and under junction in host network mode, on one
# core and on two (tests/e2e/servers_test.sh; the scenarios are in
# data/servers/): the transcripts must match.
set(_servers_1core ${CMAKE_SOURCE_DIR}/packaging/examples/minimal.toml)
set(_servers_2cores ${E2E_DATA}/two_cores.toml)
foreach(spec gunicorn:1core gunicorn:2cores:worker_class=gthread memcached:1core memcached:2cores
             lighttpd:1core lighttpd:2cores haproxy:1core haproxy:2cores)
  string(REPLACE ":" ";" parts ${spec})
  list(POP_FRONT parts server cores)
  set(name ${server})
  foreach(assignment IN LISTS parts)
    string(REGEX REPLACE ".*=" "" value ${assignment})
    string(APPEND name _${value})
  endforeach()
  if(cores STREQUAL "2cores")
    string(APPEND name _2cores)
  endif()
  add_test(NAME e2e.servers_${name}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/servers_test.sh ${server} $<TARGET_FILE:junction>
                   ${_servers_${cores}} ${parts})
  set_tests_properties(e2e.servers_${name} PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()

# A guest connects to a host program's unix socket files (a database's,
# docker.sock, syslog's): a stream echo and an unbound datagram sender.
add_test(NAME e2e.servers_unix_host
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/servers_test.sh unix_host $<TARGET_FILE:junction> ${_servers_1core})
set_tests_properties(e2e.servers_unix_host PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)

# Bypass containers through a TAP daemon in a namespace (root; label net):
# tests/net/net_servers_test.sh.
foreach(case epoll_claim gunicorn gunicorn_gthread memcached lighttpd haproxy)
  add_test(NAME net.servers_${case}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/net/net_servers_test.sh ${case} $<TARGET_FILE:junction>)
  set_tests_properties(net.servers_${case} PROPERTIES
    LABELS net TIMEOUT 180 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
endforeach()
