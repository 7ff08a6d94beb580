// SO_PEERCRED and SCM_CREDENTIALS carry the pids getpid()/fork() give
// (container pids under junction): in one process, and between a parent
// and a forked child sharing a socketpair. Prints comparisons, not pids.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct ucred peercred(int fd) {
  struct ucred c = {-1, 0, 0};
  socklen_t len = sizeof(c);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len)) perror("SO_PEERCRED");
  return c;
}

// Receives one message; returns the SCM_CREDENTIALS pid (-1 if none).
static int recv_cred_pid(int fd) {
  char data[1];  // one message's byte (a stream would run on into the next)
  struct iovec iov = {data, sizeof(data)};
  union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  if (recvmsg(fd, &h, 0) < 0) { perror("recvmsg"); return -1; }
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred cr;
      memcpy(&cr, CMSG_DATA(c), sizeof(cr));
      return cr.pid;
    }
  }
  return -1;
}

// Sends one byte with the sender's own credentials attached.
static void send_cred(int fd) {
  struct ucred cr = {getpid(), getuid(), getgid()};
  struct iovec iov = {"c", 1};
  union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  struct cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof(cr));
  memcpy(CMSG_DATA(c), &cr, sizeof(cr));
  if (sendmsg(fd, &h, 0) < 0) perror("sendmsg");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int one = 1;
  for (int type = 0; type < 2; type++) {
    int t = type ? SOCK_DGRAM : SOCK_STREAM;
    printf("== %s\n", type ? "dgram" : "stream");
    int sv[2];
    if (socketpair(AF_UNIX, t, 0, sv)) { perror("socketpair"); return 1; }
    struct ucred c = peercred(sv[0]);
    printf("SO_PEERCRED pid is mine: %d, uid %d\n", c.pid == getpid(), c.uid == getuid());
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    send_cred(sv[0]);
    printf("SCM_CREDENTIALS from myself: %d\n", recv_cred_pid(sv[1]) == getpid());

    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
      // The socketpair's creator (the parent) is the peer of both ends.
      struct ucred pc = peercred(sv[1]);
      send_cred(sv[1]);
      // Report through the socket so one process prints.
      char msg[64];
      snprintf(msg, sizeof(msg), "%d", pc.pid == parent);
      write(sv[1], msg, strlen(msg));
      _exit(0);
    }
    int pid = recv_cred_pid(sv[0]);
    printf("SCM_CREDENTIALS from the child: is the child %d, is me %d\n", pid == child, pid == parent);
    char msg[64] = {0};
    read(sv[0], msg, sizeof(msg) - 1);
    printf("child's SO_PEERCRED is the creator (parent): %s\n", msg);
    int st;
    waitpid(child, &st, 0);
    printf("SO_PEERCRED in the parent after fork is mine: %d\n", peercred(sv[0]).pid == getpid());
    close(sv[0]);
    close(sv[1]);
  }
  return 0;
}
