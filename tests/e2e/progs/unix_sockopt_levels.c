// Socket options of unix sockets at a level other than SOL_SOCKET: Linux's
// unix sockets have no such level (EOPNOTSUPP, not ENOPROTOOPT), for each
// type, getting and setting.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "show_call.h"

int main(void) {
  const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
  for (int i = 0; i < 3; i++) {
    int s = socket(AF_UNIX, types[i], 0);
    int v = 1;
    socklen_t len = sizeof(v);
    printf("type %d\n", types[i]);
    SHOW("  setsockopt IPPROTO_TCP", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)));
    SHOW("  getsockopt IPPROTO_TCP", getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len));
    SHOW("  setsockopt level 999", setsockopt(s, 999, 1, &v, sizeof(v)));
    SHOW("  getsockopt level 999", getsockopt(s, 999, 1, &v, &len));
    SHOW("  getsockopt SOL_SOCKET SO_TYPE", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
    printf("  SO_TYPE %d\n", v);
    close(s);
  }
  return 0;
}
