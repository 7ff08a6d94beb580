// A unix stream send that queues nothing leaves no trace, and a sender
// blocked on a full socket learns of its peer going away:
//  - SCM_RIGHTS on a send that fails (EAGAIN on a full socket, EFAULT on a
//    bad buffer) are not delivered with the next message;
//  - a blocked send whose peer closes (or shuts its side for reading)
//    returns the bytes sent, and the next send fails with EPIPE and SIGPIPE;
//  - a writev whose second iovec leaves the mapping sends the units before
//    the fault, as write and sendmsg do.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "show_call.h"

static char big[4 << 20];
static volatile int sigpipes;
static void OnPipe(int s) {
  (void)s;
  sigpipes++;
}

static void Fill(int fd) {
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  while (send(fd, big, 65536, 0) > 0) {
  }
  fcntl(fd, F_SETFL, fl);
}

static void Drain(int fd) {
  while (recv(fd, big, sizeof big, MSG_DONTWAIT) > 0) {
  }
}

static long SendFd(int s, const void* buf, size_t len, int flags) {
  struct iovec v = {(void*)buf, len};
  char c[CMSG_SPACE(sizeof(int))];
  memset(c, 0, sizeof c);
  struct msghdr h = {0};
  h.msg_iov = &v;
  h.msg_iovlen = 1;
  h.msg_control = c;
  h.msg_controllen = sizeof c;
  struct cmsghdr* cm = CMSG_FIRSTHDR(&h);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  int fd = 1;
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return sendmsg(s, &h, flags);
}

// The next message's bytes and the descriptors that came with it.
static void RecvShow(const char* label, int s) {
  char buf[100], c[CMSG_SPACE(sizeof(int) * 4)];
  struct iovec v = {buf, sizeof buf};
  struct msghdr h = {0};
  h.msg_iov = &v;
  h.msg_iovlen = 1;
  h.msg_control = c;
  h.msg_controllen = sizeof c;
  long r = recvmsg(s, &h, MSG_DONTWAIT);
  int fds = 0;
  for (struct cmsghdr* cm = CMSG_FIRSTHDR(&h); cm; cm = CMSG_NXTHDR(&h, cm))
    if (cm->cmsg_type == SCM_RIGHTS) fds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
  printf("%s: %ld bytes, %d fds\n", label, r, fds);
}

static int sv[2];
static int shut_rd;  // the reader shuts its side for reading instead of closing
static void* ReadThenClose(void* p) {
  (void)p;
  usleep(200000);
  long t = 0;
  while (t < 100000) {
    long k = recv(sv[1], big, 100000 - t < 65536 ? 100000 - t : 65536, 0);
    if (k <= 0) break;
    t += k;
  }
  if (shut_rd) shutdown(sv[1], SHUT_RD);
  else close(sv[1]);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, OnPipe);

  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  Fill(sv[0]);
  SHOW("rights on a full socket (EAGAIN)", SendFd(sv[0], "abc", 3, MSG_DONTWAIT));
  Drain(sv[1]);
  send(sv[0], "x", 1, 0);
  RecvShow("  the next message", sv[1]);
  close(sv[0]);
  close(sv[1]);

  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  SHOW("rights with a bad buffer (EFAULT)", SendFd(sv[0], (void*)8, 3, 0));
  send(sv[0], "x", 1, 0);
  RecvShow("  the next message", sv[1]);
  close(sv[0]);
  close(sv[1]);

  for (shut_rd = 0; shut_rd < 2; shut_rd++) {
    sigpipes = 0;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pthread_t th;
    pthread_create(&th, NULL, ReadThenClose, NULL);
    long r = send(sv[0], big, sizeof big, 0);
    pthread_join(th, NULL);
    printf("blocked send, peer %s: sent some %d, sigpipes %d\n", shut_rd ? "shuts reading" : "closes", r > 0,
           sigpipes);
    SHOW("the next send", send(sv[0], big, 10, 0));
    printf("sigpipes %d\n", sigpipes);
    close(sv[0]);
    if (shut_rd) close(sv[1]);
  }
  char* m = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m + 65536, (2 << 20) - 65536);
  struct iovec v[2] = {{m, 1000}, {m, 1 << 20}};
  struct msghdr h = {0};
  h.msg_iov = v;
  h.msg_iovlen = 2;
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  SHOW("writev, the second iovec leaves the mapping", writev(sv[0], v, 2));
  close(sv[0]);
  close(sv[1]);
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  SHOW("sendmsg, the same iovecs", sendmsg(sv[0], &h, 0));
  close(sv[0]);
  close(sv[1]);
  return 0;
}
