// A forking datagram server (CPython's socketserver ForkingMixIn with
// UnixDatagramServer, test_socketserver's test_ForkingUnixDatagramServer):
// a bound server socket receives from a bound client, and a forked child
// answers to recvfrom's address. Three clients in turn: after the first
// fork the server socket is shared with a child, and each later client,
// bound while its process is alone again, must still be seen with an
// address the child can answer to (it was none, the reply lost). Each
// client waits for the reply in an epoll set it joined before sending.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_call.h"

static struct sockaddr_un PathAddr(const char* dir, const char* name) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", dir, name);
  return a;
}

int main(void) {
  char dir[] = "/tmp/dgram-reply-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  struct sockaddr_un server_addr = PathAddr(dir, "server");
  int server = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("bind server", bind(server, (struct sockaddr*)&server_addr, sizeof server_addr));
  for (int i = 0; i < 3; i++) {
    char name[16];
    snprintf(name, sizeof name, "client%d", i);
    struct sockaddr_un client_addr = PathAddr(dir, name);
    int client = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("client %d\n", i);
    SHOW("bind client", bind(client, (struct sockaddr*)&client_addr, sizeof client_addr));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    SHOW("epoll add client", epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev));
    SHOW("send to server", sendto(client, "ping\n", 5, 0, (struct sockaddr*)&server_addr, sizeof server_addr));
    char buf[64];
    struct sockaddr_un from;
    socklen_t from_len = sizeof from;
    SHOW("server recvfrom", recvfrom(server, buf, sizeof buf, 0, (struct sockaddr*)&from, &from_len));
    printf("sender has an address: %d\n", from_len > sizeof(sa_family_t));
    pid_t child = fork();
    if (child == 0) {
      // The handler's reply, to the address the request came from.
      long r = sendto(server, buf, 5, 0, (struct sockaddr*)&from, from_len);
      _exit(r == 5 ? 0 : 1);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child replied: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    SHOW("client epoll_wait", epoll_wait(ep, &ev, 1, 5000));
    ssize_t n = recv(client, buf, sizeof buf, MSG_DONTWAIT);
    printf("client got: %.*s", n > 0 ? (int)n : 1, n > 0 ? buf : "\n");
    close(ep);
    close(client);
    unlink(client_addr.sun_path);
  }
  close(server);
  unlink(server_addr.sun_path);
  rmdir(dir);
  return 0;
}
