# Real Debian programs as users run them (nginx in front of php-fpm, Node's
# cluster, openssl's TLS server and client, rsync, Java's HttpServer,
# jshell), natively and under junction, and the focused regression tests
# of the LibOS bugs they found.

# A unix socket in an epoll set before it connects to a listener another
# process shares (nginx's fastcgi_pass to php-fpm): the set watched the
# socket the connect had replaced by a host one, and reported nothing.
add_executable(e2e_unix_epoll_before_connect progs/unix_epoll_before_connect.c)
junction_e2e(unix_epoll_before_connect COMMAND $<TARGET_FILE:e2e_unix_epoll_before_connect>)
