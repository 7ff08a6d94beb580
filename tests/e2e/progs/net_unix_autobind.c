// bind() of a unix socket with only the family (addrlen 2) autobinds it
// to a fresh abstract name of five hex digits (CPython's test_socket
// TestLinuxAbstractNamespace.testAutobind); the name is reachable, and a
// bound socket cannot be bound again.
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "show_call.h"

static struct sockaddr_un family_only = {.sun_family = AF_UNIX};

static void ShowName(const char* label, int s, struct sockaddr_un* out, socklen_t* len) {
  *len = sizeof *out;
  getsockname(s, (struct sockaddr*)out, len);
  int hex = 1;
  for (int i = 1; i < 6; i++) hex &= isxdigit((unsigned char)out->sun_path[i]) && !isupper((unsigned char)out->sun_path[i]);
  printf("%s: length %u, abstract %d, five hex digits %d\n", label, *len, out->sun_path[0] == 0, hex);
}

int main(void) {
  int a = socket(AF_UNIX, SOCK_STREAM, 0), b = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("autobind a", bind(a, (struct sockaddr*)&family_only, sizeof(sa_family_t)));
  SHOW("autobind b", bind(b, (struct sockaddr*)&family_only, sizeof(sa_family_t)));
  struct sockaddr_un na, nb;
  socklen_t la, lb;
  ShowName("a", a, &na, &la);
  ShowName("b", b, &nb, &lb);
  printf("names differ: %d\n", la != lb || memcmp(&na, &nb, la) != 0);
  SHOW("bind a again", bind(a, (struct sockaddr*)&family_only, sizeof(sa_family_t)));
  struct sockaddr_un path = {.sun_family = AF_UNIX, .sun_path = "\0autobind-test"};
  SHOW("bind a to a name", bind(a, (struct sockaddr*)&path, sizeof(sa_family_t) + 14));
  SHOW("listen a", listen(a, 1));
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("connect to a's name", connect(c, (struct sockaddr*)&na, la));
  int s = accept4(a, NULL, NULL, SOCK_NONBLOCK);
  SHOW("send", write(c, "hi", 2));
  char buf[4] = {0};
  SHOW("receive", read(s, buf, sizeof buf));
  int d = socket(AF_UNIX, SOCK_DGRAM, 0), e = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("autobind dgram", bind(d, (struct sockaddr*)&family_only, sizeof(sa_family_t)));
  struct sockaddr_un nd;
  socklen_t ld;
  ShowName("dgram", d, &nd, &ld);
  SHOW("sendto dgram's name", sendto(e, "x", 1, 0, (struct sockaddr*)&nd, ld));
  SHOW("recv dgram", recv(d, buf, sizeof buf, MSG_DONTWAIT));
  SHOW("listen unbound", listen(socket(AF_UNIX, SOCK_STREAM, 0), 1));
  return 0;
}
