#define _GNU_SOURCE
// RLIMIT_NOFILE on the descriptor table, compared with Linux: the limits
// as inherited, sysconf(_SC_OPEN_MAX); the soft limit bounds every way of
// making a descriptor (open, dup, dup2/dup3 EBADF, F_DUPFD EINVAL, pipe,
// socket, socketpair, accept, epoll, eventfd, memfd, timerfd, signalfd,
// inotify: EMFILE), an open at the limit creates nothing, a connection
// stays queued for a later accept, SCM_RIGHTS beyond it arrive cut short
// (MSG_CTRUNC); a raised limit lets the table grow past 1024; lowering it
// leaves open descriptors open; EINVAL for soft > hard, EPERM for a hard
// limit above fs.nr_open or raised without privilege; fork and exec keep
// it; /proc/self/limits shows it.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_call.h"

static void show_limit(const char* label) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) {
    printf("%s: getrlimit: %s\n", label, strerror(errno));
    return;
  }
  printf("%s: soft %llu hard %llu, sysconf %ld, getdtablesize %d\n", label, (unsigned long long)r.rlim_cur,
         (unsigned long long)r.rlim_max, sysconf(_SC_OPEN_MAX), getdtablesize());
}

static int set_limit(const char* label, rlim_t soft, rlim_t hard) {
  struct rlimit r = {soft, hard};
  int rc = setrlimit(RLIMIT_NOFILE, &r);
  int e = errno;
  printf("%s {%lld, %lld}: %d %s\n", label, (long long)soft, (long long)hard, rc, rc ? strerror(e) : "ok");
  return rc;
}

static void show_proc_limits(void) {
  FILE* f = fopen("/proc/self/limits", "r");
  char line[256];
  while (f && fgets(line, sizeof(line), f))
    if (strstr(line, "Limit") == line || strstr(line, "Max open files")) fputs(line, stdout);
  if (f) fclose(f);
}

// Fills the table (dups of 0) until EMFILE; returns the highest number made.
static int fill(void) {
  int last = -1;
  for (;;) {
    int fd = dup(0);
    if (fd < 0) {
      printf("fill: %s after fd %d\n", strerror(errno), last);
      return last;
    }
    last = fd;
  }
}

// Closes the numbers in [from, to].
static void drain(int from, int to) {
  for (int fd = from; fd <= to; fd++) close(fd);
}

static int listener(struct sockaddr_un* addr) {
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "rlimit-nofile-%d", getpid());
  if (bind(l, (struct sockaddr*)addr, sizeof(*addr)) != 0 || listen(l, 4) != 0) {
    printf("listener: %s\n", strerror(errno));
    exit(1);
  }
  return l;
}

// A one-byte message with `space` bytes of control buffer (0: none).
struct one_byte {
  char byte;
  struct iovec iov;
  char control[CMSG_SPACE(8 * sizeof(int))];
  struct msghdr m;
};

static void one_byte_init(struct one_byte* o, size_t space, int fill) {
  memset(o, 0, sizeof(*o));
  memset(o->control, fill, sizeof(o->control));
  o->byte = 'r';
  o->iov.iov_base = &o->byte;
  o->iov.iov_len = 1;
  o->m.msg_iov = &o->iov;
  o->m.msg_iovlen = 1;
  o->m.msg_control = space ? o->control : NULL;
  o->m.msg_controllen = space;
}

static void send_fds(int sock, const int* fds, int n) {
  struct one_byte o;
  one_byte_init(&o, CMSG_SPACE(n * sizeof(int)), 0);
  struct msghdr m = o.m;
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(n * sizeof(int));
  memcpy(CMSG_DATA(c), fds, n * sizeof(int));
  SHOW("sendmsg rights", sendmsg(sock, &m, 0));
}

// Receives one message with `space` bytes of control buffer; prints what came.
static void recv_fds(const char* label, int sock, size_t space) {
  struct one_byte o;
  one_byte_init(&o, space, 0xff);
  struct msghdr m = o.m;
  long r = recvmsg(sock, &m, 0);
  int e = errno;
  printf("%s: %ld %s, ctrunc %d, controllen %zu", label, r, r < 0 ? strerror(e) : "ok",
         !!(m.msg_flags & MSG_CTRUNC), (size_t)m.msg_controllen);
  for (struct cmsghdr* c = m.msg_controllen ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c)) {
    printf(", cmsg type %d len %zu:", c->cmsg_type, (size_t)c->cmsg_len);
    int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
      printf(" %d", fd);
      close(fd);
    }
  }
  printf("\n");
}

static void every_kind_at_the_limit(int sock_for_fds) {
  int p[2];
  struct sockaddr_un addr;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  // Two free numbers: a listener and a connection to it.
  int l = listener(&addr);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("connect", connect(c, (struct sockaddr*)&addr, sizeof(addr)));
  int high = fill();
  SHOW("open", open("/dev/null", O_RDONLY));
  SHOW("open O_CREAT", open("rlimit_nofile_new", O_WRONLY | O_CREAT, 0644));
  struct stat st;
  SHOW("  the file made", stat("rlimit_nofile_new", &st));
  SHOW("dup", dup(0));
  SHOW("dup2 to a number below the limit", dup2(0, high) == high);
  SHOW("F_DUPFD 3", fcntl(0, F_DUPFD, 3));
  SHOW("F_DUPFD_CLOEXEC 0", fcntl(0, F_DUPFD_CLOEXEC, 0));
  SHOW("pipe", pipe(p));
  SHOW("pipe2", pipe2(p, O_CLOEXEC));
  SHOW("socket", socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW("socket inet", socket(AF_INET, SOCK_DGRAM, 0));
  SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, p));
  SHOW("accept", accept(l, NULL, NULL));
  SHOW("accept4", accept4(l, NULL, NULL, SOCK_CLOEXEC));
  SHOW("epoll_create1", epoll_create1(0));
  SHOW("eventfd", eventfd(0, 0));
  SHOW("memfd_create", memfd_create("x", 0));
  SHOW("timerfd_create", timerfd_create(CLOCK_MONOTONIC, 0));
  SHOW("signalfd", signalfd(-1, &mask, 0));
  SHOW("inotify_init1", inotify_init1(0));
  recv_fds("recvmsg at the limit", sock_for_fds, CMSG_SPACE(3 * sizeof(int)));
  // One free number: the queued connection is still there; then one of
  // three passed descriptors.
  close(high);
  int a = accept(l, NULL, NULL);
  printf("accept after a close: %s\n", a >= 0 ? "ok" : strerror(errno));
  close(a);
  recv_fds("recvmsg with one free number", sock_for_fds, CMSG_SPACE(3 * sizeof(int)));
  drain(high - 3, high);
  // Room for all three, but a buffer for two (and one too small for any).
  recv_fds("recvmsg with room for two", sock_for_fds, CMSG_SPACE(2 * sizeof(int)));
  recv_fds("recvmsg with room for none", sock_for_fds, sizeof(struct cmsghdr));
  recv_fds("recvmsg without a buffer", sock_for_fds, 0);
  close(c);
  close(l);
  int keep_from = l < c ? l : c;
  drain(keep_from, high);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    show_limit("after exec");
    show_proc_limits();
    return 0;
  }
  unlink("rlimit_nofile_new");
  show_limit("inherited");
  struct rlimit orig;
  getrlimit(RLIMIT_NOFILE, &orig);

  // Errors first: nothing changes.
  struct rlimit r;
  SHOW("getrlimit bad resource", syscall(SYS_getrlimit, 99, &r));
  SHOW("getrlimit bad pointer", syscall(SYS_getrlimit, RLIMIT_NOFILE, (void*)8));
  SHOW("setrlimit bad pointer", syscall(SYS_setrlimit, RLIMIT_NOFILE, (void*)8));
  set_limit("soft above hard", orig.rlim_max + 1, orig.rlim_max);
  set_limit("hard above nr_open", 1024, (1 << 20) + 1);
  set_limit("hard infinite", 1024, RLIM_INFINITY);
  show_limit("unchanged");

  // Raised: the table grows past 1024.
  set_limit("raise", 4096, orig.rlim_max > 4096 ? orig.rlim_max : 4096);
  int high = fill();
  int p[2];
  close(high);
  close(high - 1);
  SHOW("pipe at the top", pipe(p));
  printf("pipe ends above 4000: %d\n", p[0] > 4000 && p[1] > 4000);
  SHOW("write through it", write(p[1], "x", 1));
  struct pollfd pfd = {p[0], POLLIN, 0};
  SHOW("poll a high number", poll(&pfd, 1, 0));
  char ch;
  SHOW("read through it", read(p[0], &ch, 1));
  drain(3, high);

  // prlimit64 on itself, old and new at once.
  struct rlimit new_lim = {64, 128}, old;
  SHOW("prlimit self", prlimit(getpid(), RLIMIT_NOFILE, &new_lim, &old));
  printf("prlimit old: %llu %llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
  SHOW("prlimit 0 old only", prlimit(0, RLIMIT_NOFILE, NULL, &old));
  printf("prlimit now: %llu %llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
  show_limit("lowered");
  show_proc_limits();

  // At the limit (64): every way of making a descriptor.
  int sp[2];
  SHOW("socketpair for rights", socketpair(AF_UNIX, SOCK_DGRAM, 0, sp));
  int three[3] = {0, 1, 2};
  for (int i = 0; i < 5; i++) send_fds(sp[1], three, 3);
  every_kind_at_the_limit(sp[0]);
  SHOW("dup2 to the limit", dup2(0, 64));
  SHOW("dup3 to the limit", dup3(0, 64, 0));
  SHOW("dup2 below it", dup2(0, 63));
  SHOW("F_DUPFD at the limit", fcntl(0, F_DUPFD, 64));
  SHOW("F_DUPFD far", fcntl(0, F_DUPFD, 1 << 20));
  SHOW("F_DUPFD negative", fcntl(0, F_DUPFD, -1));
  close(63);

  // Lowered below open descriptors: they stay; new ones do not come.
  for (int fd = 5; fd < 40; fd++) dup2(0, fd);
  set_limit("lower below open ones", 16, 128);
  SHOW("fstat 39", fstat(39, &(struct stat){0}));
  SHOW("dup", dup(0));
  SHOW("dup2 onto 39", dup2(0, 39));
  SHOW("close 39", close(39));
  SHOW("open", open("/dev/null", O_RDONLY));
  close(12);
  SHOW("open after closing 12", open("/dev/null", O_RDONLY));
  drain(5, 40);
  set_limit("back up to the hard limit", 128, 128);

  // Raising the hard limit needs privilege (root has it; a setuid child
  // drops it). Lowering it never does.
  set_limit("raise hard (root)", 128, 256);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    show_limit("forked child");
    if (setuid(65534) != 0) printf("setuid: %s\n", strerror(errno));
    set_limit("child raises hard unprivileged", 128, 512);
    set_limit("child lowers hard", 100, 200);
    set_limit("child raises soft to hard", 200, 200);
    set_limit("child raises hard back", 200, 256);
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  set_limit("for exec", 100, 200);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    execl("/proc/self/exe", argv[0], "exec", (char*)NULL);
    printf("execl: %s\n", strerror(errno));
    _exit(1);
  }
  waitpid(pid, NULL, 0);
  return 0;
}
