# Real Debian programs as users run them (nginx in front of php-fpm, Node's
# cluster, openssl's TLS server and client, rsync, Java's HttpServer,
# jshell), natively and under junction, and the focused regression tests
# of the LibOS bugs they found.

# A unix socket in an epoll set before it connects to a listener another
# process shares (nginx's fastcgi_pass to php-fpm), or a datagram socket
# in a set before it binds while another process runs: the set watched the
# socket the call had replaced by a host one, and reported nothing.
add_executable(e2e_unix_epoll_before_connect progs/unix_epoll_before_connect.c)
junction_e2e(unix_epoll_before_connect COMMAND $<TARGET_FILE:e2e_unix_epoll_before_connect>)
# A one-shot item that fired before such a move (connect, bind, fork)
# stays disarmed: it went into the host set with no events, which the host
# reports EPOLLHUP/EPOLLERR for.
add_executable(e2e_epoll_oneshot_moved progs/epoll_oneshot_moved.c)
junction_e2e(epoll_oneshot_moved COMMAND $<TARGET_FILE:e2e_epoll_oneshot_moved>)

set(_realapps ${E2E_DATA}/realapps)
set(_two ${E2E_DATA}/two_cores.toml)
# Node's cluster: two workers sharing one listening socket the primary
# hands them over the IPC channel (SCM_RIGHTS), or (rr) the primary
# accepting and handing each connection over; curl children; a worker
# that crashes, respawned.
junction_e2e(realapps_node_cluster_2cores NEEDS "node curl" APP ${_two} COMMAND node ${_realapps}/node_cluster.js none)
junction_e2e(realapps_node_cluster_rr_2cores NEEDS "node curl" APP ${_two} COMMAND node ${_realapps}/node_cluster.js rr)
# openssl s_server/s_client and curl --cacert over loopback TLS.
junction_e2e(realapps_openssl_tls_2cores NEEDS "openssl curl" APP ${_two} COMMAND bash ${_realapps}/openssl_tls.sh)
# rsync's sender and receiver processes over a socketpair.
junction_e2e(realapps_rsync_2cores NEEDS "rsync" APP ${_two} COMMAND bash ${_realapps}/rsync_tree.sh)
# git daemon: git:// clones (four at once, shallow) and a push.
junction_e2e(realapps_git_daemon_2cores NEEDS "git" APP ${_two} COMMAND bash ${_realapps}/git_daemon.sh)
# Daemons that their clients start or reach over unix sockets: gpg's
# agent, a tmux server (panes on ptys), dbus-daemon, ssh-agent; sqlite3 WAL shared
# by concurrent processes.
junction_e2e(realapps_gpg_agent_2cores NEEDS "gpg gpg-agent" APP ${_two} COMMAND bash ${_realapps}/gpg_agent.sh)
junction_e2e(realapps_tmux_2cores NEEDS "tmux" APP ${_two} COMMAND bash ${_realapps}/tmux_session.sh)
junction_e2e(realapps_dbus_2cores NEEDS "dbus-daemon dbus-send" APP ${_two} COMMAND bash ${_realapps}/dbus_session.sh)
junction_e2e(realapps_ssh_agent_2cores NEEDS "ssh-agent ssh-add ssh-keygen" APP ${_two}
             COMMAND bash ${_realapps}/ssh_agent.sh)
junction_e2e(realapps_sqlite_wal_2cores NEEDS "sqlite3" APP ${_two} COMMAND bash ${_realapps}/sqlite_wal.sh)
# sort --parallel=2 with temporary files, xargs -P2.
junction_e2e(realapps_parallel_tools_2cores NEEDS "sort xargs" APP ${_two} COMMAND bash ${_realapps}/parallel_tools.sh)
# The JVMs run without hsperfdata: every container's first process is
# pid 1, so JVMs of containers running at once share
# /tmp/hsperfdata_USER/1, and the one that finds it locked warns on stdout.
if(JAVAC_EXECUTABLE)
  # com.sun.net.httpserver with a 4-thread pool under 16 concurrent curl
  # children, and java.net.http.HttpClient's async requests.
  junction_e2e_java(e2e_java_httpserver_load HttpServerLoad)
  junction_e2e(realapps_java_httpserver_2cores NEEDS "java curl" APP ${_two} TIMEOUT 180
               COMMAND java -XX:-UsePerfData -Xmx128m -cp ${CMAKE_CURRENT_BINARY_DIR}/java HttpServerLoad)
endif()
# jshell with a script (its agent JVM on a loopback socket); C1 only, to
# keep the two runs short.
junction_e2e(realapps_jshell_2cores NEEDS "jshell" APP ${_two} TIMEOUT 180
             COMMAND jshell -J-XX:TieredStopAtLevel=1 -R-XX:TieredStopAtLevel=1 -R-Xmx128m
                     -J-XX:-UsePerfData -R-XX:-UsePerfData
                     ${_realapps}/jshell_script.jsh)

# nginx in front of php-fpm over a unix socket (FastCGI), both masters
# and their workers in one container, driven by curl and ab from outside
# (tests/e2e/servers_test.sh, data/servers/nginx_php_fpm.sh).
add_test(NAME e2e.servers_nginx_php_fpm_2cores
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/servers_test.sh nginx_php_fpm $<TARGET_FILE:junction>
                 ${E2E_DATA}/two_cores.toml)
add_test(NAME e2e.servers_nginx_php_fpm_ondemand
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/servers_test.sh nginx_php_fpm $<TARGET_FILE:junction> ${E2E_APP}
                 pm=ondemand)
set_tests_properties(e2e.servers_nginx_php_fpm_2cores e2e.servers_nginx_php_fpm_ondemand PROPERTIES
  LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
# Node's cluster as a server, curl and ab from outside, a worker that
# exits replaced (data/servers/node_cluster.sh): the shared handle on two
# cores, the primary handing connections over (rr) on one.
add_test(NAME e2e.servers_node_cluster_2cores
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/servers_test.sh node_cluster $<TARGET_FILE:junction>
                 ${E2E_DATA}/two_cores.toml)
add_test(NAME e2e.servers_node_cluster_rr
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/servers_test.sh node_cluster $<TARGET_FILE:junction>
                 ${E2E_APP} policy=rr)
set_tests_properties(e2e.servers_node_cluster_2cores e2e.servers_node_cluster_rr PROPERTIES
  LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
