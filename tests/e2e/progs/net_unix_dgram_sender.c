// recvfrom on AF_UNIX datagram sockets names the sender: its bound path
// (address length up to the path's NUL, as Linux's unix_mkname_bsd makes
// it, also in getsockname), its abstract name, or nothing (length 0) for
// an unbound sender. Go's unixgram servers reply to that address
// (net.TestUnixgramServer hung without it).
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[] = "/tmp/unix_dgram_sender_XXXXXX";

static void from(int rx, const char* expect_path, const char* what) {
  struct sockaddr_un a;
  memset(&a, 0x55, sizeof a);
  socklen_t len = sizeof a;
  char buf[16];
  long r = recvfrom(rx, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr*)&a, &len);
  int same = expect_path && len > offsetof(struct sockaddr_un, sun_path) &&
             (expect_path[0] ? !strcmp(a.sun_path, expect_path)
                             : !memcmp(a.sun_path, expect_path, len - offsetof(struct sockaddr_un, sun_path)));
  long extra = expect_path && expect_path[0] ? (long)len - (long)offsetof(struct sockaddr_un, sun_path) -
                                                   (long)strlen(expect_path)
                                             : 0;
  printf("%s: recvfrom %ld, address length %s%ld, names the sender %d\n", what, r,
         expect_path && expect_path[0] ? "path length + " : "", expect_path && expect_path[0] ? extra : (long)len,
         same);
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  struct sockaddr_un s = {.sun_family = AF_UNIX}, c = {.sun_family = AF_UNIX};
  snprintf(s.sun_path, sizeof s.sun_path, "%s/server", dir);
  snprintf(c.sun_path, sizeof c.sun_path, "%s/client", dir);
  int srv = socket(AF_UNIX, SOCK_DGRAM, 0), cli = socket(AF_UNIX, SOCK_DGRAM, 0), anon = socket(AF_UNIX, SOCK_DGRAM, 0);
  // Bound with the whole structure's length: the address is shorter.
  if (bind(srv, (struct sockaddr*)&s, sizeof s) || bind(cli, (struct sockaddr*)&c, sizeof c)) return 1;
  struct sockaddr_un got;
  socklen_t gl = sizeof got;
  getsockname(srv, (struct sockaddr*)&got, &gl);
  printf("getsockname: path length + %ld\n", (long)gl - (long)offsetof(struct sockaddr_un, sun_path) - (long)strlen(s.sun_path));
  sendto(cli, "ping", 4, 0, (struct sockaddr*)&s, sizeof s);
  from(srv, c.sun_path, "from a bound path");
  // The reply goes to the address recvfrom gave.
  sendto(srv, "pong", 4, 0, (struct sockaddr*)&c, sizeof c);
  from(cli, s.sun_path, "reply");
  sendto(anon, "anon", 4, 0, (struct sockaddr*)&s, sizeof s);
  from(srv, NULL, "from an unbound socket");
  struct sockaddr_un ab = {.sun_family = AF_UNIX};
  int abs_len = snprintf(ab.sun_path + 1, sizeof ab.sun_path - 1, "unix_dgram_sender_%d", getpid()) + 1;
  int abst = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (bind(abst, (struct sockaddr*)&ab, offsetof(struct sockaddr_un, sun_path) + abs_len)) return 1;
  sendto(abst, "abst", 4, 0, (struct sockaddr*)&s, sizeof s);
  struct sockaddr_un a;
  socklen_t len = sizeof a;
  char buf[8];
  recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr*)&a, &len);
  printf("from an abstract name: address length is its own %d, names the sender %d\n",
         len == offsetof(struct sockaddr_un, sun_path) + abs_len,
         !memcmp(a.sun_path, ab.sun_path, abs_len));
  unlink(s.sun_path);
  unlink(c.sun_path);
  rmdir(dir);
  return 0;
}
