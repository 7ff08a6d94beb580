// getaddrinfo through glibc's resolver (A and AAAA sent together with
// sendmmsg) against the DNS responder on 127.0.0.1:PORT.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  res_init();
  _res.nscount = 1;
  _res.nsaddr_list[0].sin_family = AF_INET;
  _res.nsaddr_list[0].sin_port = htons(atoi(argv[1]));
  _res.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  _res.retry = 2;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
  struct addrinfo* res = NULL;
  int e = getaddrinfo("host.junction.test", NULL, &hints, &res);
  printf("host.junction.test: %s\n", e ? gai_strerror(e) : "ok");
  for (struct addrinfo* r = res; r; r = r->ai_next) {
    char h[64];
    getnameinfo(r->ai_addr, r->ai_addrlen, h, sizeof(h), NULL, 0, NI_NUMERICHOST);
    printf("  %s\n", h);
  }
  if (res) freeaddrinfo(res);
  return e ? 1 : 0;
}
