// Guest buffers that lie in a mapped VMA but fault when touched: a 100-byte
// file mapped with two pages of length, pointers into the second page
// (past the file's end: SIGBUS) or running into it. Linux answers EFAULT
// (or a short count); the LibOS must answer the same and never crash while
// it copies (entry/safe_copy.S).
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char* what, long r) {
  printf("%s%s%ld %s\n", what, *what ? ": " : "", r, r < 0 ? strerrorname_np(errno) : "");
}

static void on_usr1(int sig) { (void)sig; }

// rseq registered on the bad page (glibc's own registration off), then a
// registration that works, to show the first left none behind.
static int rseq_child(void) {
  char file[64];
  snprintf(file, sizeof(file), "/tmp/sys_guest_fault_copy.r%d", (int)getpid());
  long page = sysconf(_SC_PAGESIZE);
  int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  unlink(file);
  if (fd < 0 || ftruncate(fd, 100) != 0) return 1;
  char* m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return 1;
  long r = syscall(SYS_rseq, m + page, 32, 0, 0x53053053);
  printf("rseq on bad page returned %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
  static __attribute__((aligned(32))) char area[32];
  r = syscall(SYS_rseq, area, 32, 0, 0x53053053);
  printf("rseq on good area returned %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
  return 0;
}

// Buffers that fault part-way, as Linux 6.18 answers them (checked
// natively): 8 pages of a file, then either pages past its end inside the
// mapping (SIGBUS) or no mapping at all. `at(good)` points `good` bytes
// before the fault.
static char* region;
static int past_vma;
static char* at(long good) { return region + 8 * 4096 - good; }

// What a pipe holds: FIONREAD, readiness, and the bytes a drain reads.
static void pipe_left(int rd) {
  int n = -1;
  ioctl(rd, FIONREAD, &n);
  struct pollfd pf = {rd, POLLIN, 0};
  poll(&pf, 1, 0);
  static char sink[1 << 17];
  long got = 0, r;
  while ((r = read(rd, sink, sizeof(sink))) > 0) got += r;
  printf("  left: fionread %d pollin %d drained %ld then %s\n", n, !!(pf.revents & POLLIN), got,
         r < 0 ? strerrorname_np(errno) : "eof");
}

// Pipe writes and reads: Linux counts whole pages a write copied (its
// first len % 4096 bytes merge into the last page if they fit), and a read
// the whole pipe buffers it copied; the iovecs of writev/readv are one
// stream. `p` is a pipe (O_NONBLOCK), emptied after each case.
static void pipe_cases(int p[2]) {
  long goods[] = {10, 4096, 5000, 8192};
  for (int i = 0; i < 4; i++) {
    printf("pipe write 3 pages + 100, %ld good: ", goods[i]);
    show("", write(p[1], at(goods[i]), 3 * 4096 + 100));
    pipe_left(p[0]);
  }
  long merged[] = {50, 100, 4196};
  for (int i = 0; i < 3; i++) {
    write(p[1], "hello", 5);
    printf("pipe hello, write 2 pages + 100, %ld good: ", merged[i]);
    show("", write(p[1], at(merged[i]), 2 * 4096 + 100));
    pipe_left(p[0]);
  }
  struct {
    long first, good, len;
  } vs[] = {{100, 0, 8}, {4096, 0, 8}, {5000, 0, 8}, {4000, 200, 300}, {4000, 50, 300}};
  for (int i = 0; i < 5; i++) {
    struct iovec iov[2] = {{region, vs[i].first}, {at(vs[i].good), vs[i].len}};
    printf("pipe writev %ld + %ld (%ld good): ", vs[i].first, vs[i].len, vs[i].good);
    show("", writev(p[1], iov, 2));
    pipe_left(p[0]);
  }
  long reads[] = {3000, 4096, 5000, 6000};
  for (int i = 0; i < 4; i++) {
    write(p[1], region, 6000);
    printf("pipe 6000 queued, read 8192, %ld good: ", reads[i]);
    show("", read(p[0], at(reads[i]), 8192));
    pipe_left(p[0]);
  }
  write(p[1], region, 100);
  write(p[1], region, 100);
  show("pipe 100 + 100 queued (one buffer), read 200, 150 good", read(p[0], at(150), 200));
  pipe_left(p[0]);
  write(p[1], region, 4000);
  write(p[1], region, 200);
  show("pipe 4000 + 200 queued (two buffers), read 4200, 4100 good", read(p[0], at(4100), 4200));
  pipe_left(p[0]);
  write(p[1], region, 300);
  struct iovec iov[2] = {{region + 4096, 100}, {at(50), 300}};
  show("pipe 300 queued, readv 100 + 300 (50 good)", readv(p[0], iov, 2));
  pipe_left(p[0]);
}

// The units across F_SETPIPE_SZ, in an O_DIRECT pipe (a packet per page)
// and through tee(2) (the copies keep the source's units and take no
// merge).
static void pipe_unit_cases(void) {
  int p[2], q[2];
  if (pipe2(p, O_NONBLOCK) != 0 || pipe2(q, O_NONBLOCK) != 0) return;
  write(p[1], region, 4000);
  write(p[1], region, 200);
  write(p[1], region, 4000);
  show("pipe 4000 + 200 + 4000, F_SETPIPE_SZ 16384", fcntl(p[0], F_SETPIPE_SZ, 16384));
  show("  read 8200, 4100 good", read(p[0], at(4100), 8200));
  pipe_left(p[0]);
  write(p[1], region, 4000);
  write(p[1], region, 200);
  show("tee", tee(p[0], q[1], 8200, SPLICE_F_NONBLOCK));
  write(q[1], region, 100);
  show("  tee'd read 4300, 4250 good", read(q[0], at(4250), 4300));
  pipe_left(q[0]);
  pipe_left(p[0]);
  close(p[0]);
  close(p[1]);
  if (pipe2(p, O_NONBLOCK | O_DIRECT) != 0) return;
  show("O_DIRECT pipe write 3 pages, 5000 good", write(p[1], at(5000), 3 * 4096));
  pipe_left(p[0]);
  write(p[1], region, 300);
  show("O_DIRECT pipe read 600, 100 good", read(p[0], at(100), 600));
  show("O_DIRECT pipe read 600, 300 good", read(p[0], at(300), 600));
  struct iovec iov[2] = {{region, 2000}, {at(3000), 4000}};
  show("O_DIRECT pipe writev 2000 + 4000 (3000 good)", writev(p[1], iov, 2));
  pipe_left(p[0]);
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
}

static void pending(void) {
  sigset_t s;
  sigpending(&s);
  printf("  pending: USR1 %d USR2 %d\n", sigismember(&s, SIGUSR1), sigismember(&s, SIGUSR2));
}

// Host pipes (a fork made them), which the host kernel serves.
static void host_pipe_cases(void) {
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return;
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, NULL, 0);
  printf("host pipe: ");
  pipe_cases(p);
  close(p[0]);
  close(p[1]);
}

// eventfd and timerfd that a fork made host descriptors.
static void host_counter_cases(void) {
  int e = eventfd(3, EFD_NONBLOCK);
  int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  timerfd_settime(tf, 0, &(struct itimerspec){.it_value = {0, 1}}, NULL);
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, NULL, 0);
  poll(&(struct pollfd){tf, POLLIN, 0}, 1, -1);
  uint64_t v;
  show("host eventfd read, 4 good", read(e, at(4), 8));
  show("  then read", read(e, &v, 8));
  show("host timerfd read, 4 good", read(tf, at(4), 8));
  show("  then read", read(tf, &v, 8));
  close(e);
  close(tf);
}

// signalfd, inotify, eventfd and timerfd.
static void special_fd_cases(void) {
  // signalfd: the signal is taken, then copied; one that faults is lost.
  sigset_t ss;
  sigemptyset(&ss);
  sigaddset(&ss, SIGUSR1);
  sigaddset(&ss, SIGUSR2);
  sigprocmask(SIG_BLOCK, &ss, NULL);
  int sfd = signalfd(-1, &ss, SFD_NONBLOCK);
  size_t rec = sizeof(struct signalfd_siginfo);
  raise(SIGUSR1);
  show("signalfd read, 0 good", read(sfd, at(0), rec));
  pending();
  raise(SIGUSR1);
  raise(SIGUSR2);
  show("signalfd read 2, the second faults", read(sfd, at(rec), 2 * rec));
  pending();
  raise(SIGUSR1);
  show("signalfd read, half good", read(sfd, at(rec / 2), rec));
  pending();
  raise(SIGUSR1);
  raise(SIGUSR2);
  show("signalfd read 2, the first faults", read(sfd, at(0), 2 * rec));
  pending();
  struct signalfd_siginfo two[2];
  show("signalfd read rest", read(sfd, two, sizeof(two)));
  close(sfd);

  // inotify: events are taken off the queue before the copy; a fault ends
  // the read with EFAULT even after events were copied.
  int in = inotify_init1(IN_NONBLOCK);
  char dir[64], sub[96];
  snprintf(dir, sizeof(dir), "/tmp/sys_guest_fault_copy.p.%d", (int)getpid());
  mkdir(dir, 0700);
  inotify_add_watch(in, dir, IN_CREATE | IN_DELETE);
  for (int i = 0; i < 3; i++) {
    snprintf(sub, sizeof(sub), "%s/f%d", dir, i);
    close(open(sub, O_CREAT | O_WRONLY, 0600));
  }
  int n = -1;
  size_t ev = sizeof(struct inotify_event) + 16;  // "fN" padded
  ioctl(in, FIONREAD, &n);
  printf("inotify queued %d\n", n);
  show("inotify read, 0 good", read(in, at(0), 4096));
  ioctl(in, FIONREAD, &n);
  printf("  queued %d\n", n);
  show("inotify read, the second faults", read(in, at(ev + 5), 4096));
  ioctl(in, FIONREAD, &n);
  printf("  queued %d\n", n);
  for (int i = 0; i < 3; i++) {
    snprintf(sub, sizeof(sub), "%s/f%d", dir, i);
    unlink(sub);
  }
  show("inotify read, the third faults", read(in, at(2 * ev + 5), 4096));
  ioctl(in, FIONREAD, &n);
  printf("  queued %d\n", n);
  rmdir(dir);
  close(in);

  // eventfd: the count is taken even if the copy faults; timerfd: the
  // ticks too, and a part-way fault returns the bytes copied.
  uint64_t v = 0;
  int e = eventfd(3, EFD_NONBLOCK);
  show("eventfd read, 4 good", read(e, at(4), 8));
  show("  then read", read(e, &v, 8));
  int es = eventfd(2, EFD_NONBLOCK | EFD_SEMAPHORE);
  show("eventfd semaphore read, 0 good", read(es, at(0), 8));
  show("  then read", read(es, &v, 8));
  show("  then read", read(es, &v, 8));
  int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  for (int good = 4; good >= 0; good -= 4) {
    timerfd_settime(tf, 0, &(struct itimerspec){.it_value = {0, 1}}, NULL);
    poll(&(struct pollfd){tf, POLLIN, 0}, 1, -1);
    printf("timerfd read, %d good: ", good);
    show("", read(tf, at(good), 8));
    show("  then read", read(tf, &v, 8));
  }
  close(e);
  close(es);
  close(tf);
  sigprocmask(SIG_UNBLOCK, &ss, NULL);
}

static void unix_cases(void) {
  // Unix stream sockets: the sends copied whole are taken (the faulting
  // one stays); datagrams that fault are taken and lost.
  int sv[2];
  int n = -1;
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
  write(sv[0], "ab", 2);
  write(sv[0], "cd", 2);
  show("unix stream 2 + 2 queued, recv 4, 2 good", recv(sv[1], at(2), 4, 0));
  ioctl(sv[1], FIONREAD, &n);
  printf("  queued %d\n", n);
  show("unix stream recv 2, 1 good", recv(sv[1], at(1), 2, 0));
  write(sv[0], "ef", 2);
  show("unix stream read 4, 3 good", read(sv[1], at(3), 4));
  ioctl(sv[1], FIONREAD, &n);
  printf("  queued %d\n", n);
  char got[16];
  show("unix stream read rest", read(sv[1], got, sizeof(got)));
  write(sv[0], "gh", 2);
  struct iovec iov[2] = {{region, 1}, {at(1), 3}};
  struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
  show("unix stream recvmsg 1 + 3 (1 good)", recvmsg(sv[1], &mh, 0));
  ioctl(sv[1], FIONREAD, &n);
  printf("  queued %d\n", n);
  show("unix stream send, 3 good", send(sv[0], at(3), 8, 0));
  ioctl(sv[1], FIONREAD, &n);
  printf("  queued %d\n", n);
  close(sv[0]);
  close(sv[1]);
  int types[] = {SOCK_DGRAM, SOCK_SEQPACKET};
  for (int t = 0; t < 2; t++) {
    socketpair(AF_UNIX, types[t] | SOCK_NONBLOCK, 0, sv);
    write(sv[0], "abcd", 4);
    write(sv[0], "efgh", 4);
    printf("unix %s: ", t ? "seqpacket" : "dgram");
    show("recv 4, 2 good", recv(sv[1], at(2), 4, 0));
    long r = recv(sv[1], got, sizeof(got), 0);
    show("  then recv", r);
    if (r > 0) printf("  data %.*s\n", (int)r, got);
    write(sv[0], "ijkl", 4);
    show("  recv peek, 2 good", recv(sv[1], at(2), 4, MSG_PEEK));
    show("  then recv", recv(sv[1], got, sizeof(got), 0));
    close(sv[0]);
    close(sv[1]);
  }
}

static void partial_faults(void) {
  long page = 4096;
  int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, 8 * page) != 0) return;
  // The file's 8 pages, then 8 past its end (SIGBUS) or none (the
  // mapping's last 8 pages unmapped).
  region = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (region == MAP_FAILED) return;
  memset(region, 'g', 8 * page);
  if (past_vma) munmap(region + 8 * page, 8 * page);
  printf("-- faulting part-way: %s\n", past_vma ? "past the mapping" : "past the file's end");

  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return;
  for (int round = 0; round < 2; round++) pipe_cases(p);  // the second round on the lazy path
  close(p[0]);
  close(p[1]);
  pipe_unit_cases();
  special_fd_cases();
  unix_cases();
  // Past the mapping the LibOS's VMA check answers host descriptors with
  // EFAULT first, nothing taken (docs/architecture.md).
  if (!past_vma) {
    host_pipe_cases();
    host_counter_cases();
  }
  munmap(region, 16 * page);
  close(fd);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "rseq") == 0) return rseq_child();
  char file[64];
  snprintf(file, sizeof(file), "/tmp/sys_guest_fault_copy.%d", (int)getpid());
  long page = sysconf(_SC_PAGESIZE);
  int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, 100) != 0) return 1;
  char* m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return 1;
  char* bad = m + page;        // past the file's end: every access faults
  char* tail = m + page - 10;  // 10 good bytes, then the bad page
  memset(tail, 'a', 10);       // a path with no NUL before the bad page
  struct stat st;

  // Paths (the lazy and the full open/stat paths, and mkdir's).
  show("open bad", open(bad, O_RDONLY));
  show("open tail", open(tail, O_RDONLY));
  show("openat tail", openat(AT_FDCWD, tail, O_RDONLY));
  show("stat bad", stat(bad, &st));
  show("stat tail", stat(tail, &st));
  show("lstat tail", lstat(tail, &st));
  show("mkdir tail", mkdir(tail, 0700));
  for (int i = 0; i < 3; i++) {  // later rounds on the lazy path
    show("stat into bad", stat("/", (struct stat*)bad));
    show("statx into bad", statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, (struct statx*)bad));
    show("open tail again", open(tail, O_RDONLY));
  }

  // Pipes: the LibOS copies between its ring and the guest's buffer.
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return 1;
  show("pipe write bad", write(p[1], bad, 10));
  show("pipe write tail", write(p[1], tail, 20));
  show("pipe write 1 bad", write(p[1], bad, 1));
  show("pipe write big tail", write(p[1], tail, 100));
  char got[64];
  show("pipe read empty", read(p[0], got, sizeof(got)));
  show("pipe write ok", write(p[1], "hello", 5));
  show("pipe read bad", read(p[0], bad, 5));
  show("pipe read tail", read(p[0], tail + 8, 5));
  long n = read(p[0], got, sizeof(got));
  show("pipe read ok", n);
  if (n > 0) printf("  data %.*s\n", (int)n, got);
  show("pipe2 into bad", pipe2((int*)bad, 0));
  int probe = open("/dev/null", O_RDONLY);  // the lowest free descriptor: none leaked
  printf("next fd %d\n", probe - p[1]);
  close(probe);
  show("pipe writev bad", writev(p[1], &(struct iovec){bad, 8}, 1));

  // Unix stream sockets.
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) return 1;
  show("unix write bad", write(sv[0], bad, 10));
  show("unix send bad", send(sv[0], bad, 10, 0));
  show("unix sendto bad", sendto(sv[0], bad, 10, 0, NULL, 0));
  show("unix write ok", write(sv[0], "hi", 2));
  show("unix recv bad", recv(sv[1], bad, 2, 0));
  show("unix read bad", read(sv[1], bad, 2));
  show("unix read tail", read(sv[1], tail + 9, 2));
  n = read(sv[1], got, sizeof(got));
  show("unix read ok", n);
  if (n > 0) printf("  data %.*s\n", (int)n, got);
  show("unix write ok", write(sv[0], "hi", 2));

  // Arrays the LibOS reads: iovecs and control data in the bad page.
  show("writev iov bad", writev(p[1], (struct iovec*)bad, 1));
  show("readv iov bad", readv(p[0], (struct iovec*)bad, 1));
  struct msghdr mh = {.msg_iov = (struct iovec*)bad, .msg_iovlen = 1};
  show("sendmsg iov bad", sendmsg(sv[0], &mh, 0));
  show("recvmsg iov bad", recvmsg(sv[1], &mh, 0));
  struct iovec one = {"x", 1};
  mh = (struct msghdr){.msg_iov = &one, .msg_iovlen = 1, .msg_control = bad, .msg_controllen = 64};
  show("sendmsg control bad", sendmsg(sv[0], &mh, 0));
  show("sendmsg bad", sendmsg(sv[0], (struct msghdr*)bad, 0));

  // eventfd.
  int e = eventfd(3, EFD_NONBLOCK);
  show("eventfd write bad", write(e, bad, 8));
  show("eventfd read bad", read(e, bad, 8));

  // A tmpfs file (/dev/shm) and a host file.
  char shm[64];
  snprintf(shm, sizeof(shm), "/dev/shm/sys_guest_fault_copy.%d", (int)getpid());
  int t = open(shm, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (t < 0) return 1;
  show("tmpfs write bad", write(t, bad, 10));
  show("tmpfs write ok", write(t, "0123456789", 10));
  show("tmpfs pread bad", pread(t, bad, 10, 0));
  show("file write bad", write(fd, bad, 10));
  close(t);
  unlink(shm);

  // Structures the LibOS reads or writes for a call.
  show("poll bad", poll((struct pollfd*)bad, 1, 0));
  show("select bad", select(1, (fd_set*)bad, NULL, NULL, &(struct timeval){0, 0}));
  int ep = epoll_create1(0);
  epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &(struct epoll_event){.events = EPOLLOUT});
  show("epoll_wait bad", epoll_wait(ep, (struct epoll_event*)bad, 4, 0));
  show("getcwd bad", syscall(SYS_getcwd, bad, 100));
  show("readlink bad", readlink("/proc/self/exe", bad, 100));
  // The buffer is checked by the copy: the lookup's errors come first.
  show("readlink bad buffer, missing path", readlink("/nonexistent/x", bad, 10));
  show("readlink bad buffer, not a link", readlink("/etc/passwd", bad, 10));
  show("readlink unmapped buffer, missing path", readlink("/nonexistent/x", (char*)8, 10));
  show("readlink unmapped buffer, not a link", readlink("/etc/passwd", (char*)8, 10));
  show("readlink unmapped buffer, a link", readlink("/proc/self/exe", (char*)8, 10));
  // So for the stat and xattr calls: a missing path is ENOENT.
  show("stat unmapped buffer, missing path", syscall(SYS_stat, "/nonexistent/x", (void*)8));
  show("lstat unmapped buffer, missing path", syscall(SYS_lstat, "/nonexistent/x", (void*)8));
  show("newfstatat unmapped buffer, missing path",
       syscall(SYS_newfstatat, AT_FDCWD, "/nonexistent/x", (void*)8, 0));
  show("statx unmapped buffer, missing path",
       syscall(SYS_statx, AT_FDCWD, "/nonexistent/x", 0, 0x7ff, (void*)8));
  show("statfs unmapped buffer, missing path", syscall(SYS_statfs, "/nonexistent/x", (void*)8));
  show("getxattr unmapped buffer, missing path", syscall(SYS_getxattr, "/nonexistent/x", "user.a", (void*)8, 10));
  show("listxattr unmapped buffer, missing path", syscall(SYS_listxattr, "/nonexistent/x", (void*)8, 10));
  show("fgetxattr unmapped buffer, bad fd", syscall(SYS_fgetxattr, 999, "user.a", (void*)8, 10));
  show("stat unmapped buffer, a file", syscall(SYS_stat, "/etc/passwd", (void*)8));
  show("statx unmapped buffer, a file", syscall(SYS_statx, AT_FDCWD, "/etc/passwd", 0, 0x7ff, (void*)8));
  show("listxattr unmapped buffer, a file", syscall(SYS_listxattr, "/etc/passwd", (void*)8, 10));
  // socketpair stores the numbers before it makes the sockets: EFAULT
  // before the family's error.
  show("socketpair unmapped, unknown family", syscall(SYS_socketpair, 999, SOCK_STREAM, 0, (void*)8));
  int spv[2];
  show("socketpair unknown family", syscall(SYS_socketpair, 999, SOCK_STREAM, 0, spv));
  show("socketpair AF_INET", syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, spv));
  show("socketpair AF_UNIX protocol 5", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 5, spv));
  show("socket AF_UNIX protocol 5", syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 5));
  int us = socket(AF_UNIX, SOCK_DGRAM, PF_UNIX);
  show("socket AF_UNIX protocol PF_UNIX", us < 0 ? -1 : 0);
  if (us >= 0) close(us);
  show("socketpair AF_UNIX protocol PF_UNIX", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, PF_UNIX, spv));
  close(spv[0]);
  close(spv[1]);
  // Unix socket types: SOCK_RAW is a datagram socket, past SOCK_MAX EINVAL.
  int rawu = socket(AF_UNIX, SOCK_RAW, 0);
  int rtype = -1;
  socklen_t rtl = sizeof(rtype);
  if (rawu >= 0) getsockopt(rawu, SOL_SOCKET, SO_TYPE, &rtype, &rtl);
  printf("socket AF_UNIX SOCK_RAW: %s, SO_TYPE %d\n", rawu < 0 ? strerror(errno) : "ok", rtype);
  if (rawu >= 0) close(rawu);
  show("socketpair AF_UNIX SOCK_RAW", syscall(SYS_socketpair, AF_UNIX, SOCK_RAW, 0, spv));
  close(spv[0]);
  close(spv[1]);
  show("socket AF_UNIX type 12", syscall(SYS_socket, AF_UNIX, 12, 0));
  show("socketpair AF_UNIX type 12", syscall(SYS_socketpair, AF_UNIX, 12, 0, spv));
  show("socket AF_UNIX SOCK_RDM", syscall(SYS_socket, AF_UNIX, SOCK_RDM, 0));
  show("mincore unaligned, unmapped", syscall(SYS_mincore, 1, 4096, (void*)8));
  // fcntl locks: an O_PATH descriptor is EBADF before the struct; a set
  // only reads it (read-only memory will do), a query writes it back.
  char lf[] = "/tmp/fault_copy_lock.XXXXXX";
  int lfd = mkstemp(lf);
  struct flock* rofl = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  rofl->l_type = F_WRLCK;
  rofl->l_whence = SEEK_SET;
  rofl->l_len = 10;
  mprotect(rofl, 4096, PROT_READ);
  show("F_SETLK read-only flock", fcntl(lfd, F_SETLK, rofl));
  show("F_GETLK read-only flock", fcntl(lfd, F_GETLK, rofl));
  int lpf = open(lf, O_PATH);
  show("F_SETLK O_PATH, unmapped flock", fcntl(lpf, F_SETLK, (void*)8));
  show("F_OFD_GETLK O_PATH, unmapped flock", fcntl(lpf, F_OFD_GETLK, (void*)8));
  close(lpf);
  close(lfd);
  unlink(lf);
  munmap(rofl, 4096);
  // Timers are set before the old value's copy faults.
  struct itimerval iv = {{0, 0}, {100, 0}}, giv;
  show("setitimer unmapped old value", syscall(SYS_setitimer, ITIMER_REAL, &iv, (void*)8));
  getitimer(ITIMER_REAL, &giv);
  printf("  armed: %d\n", giv.it_value.tv_sec > 0);
  iv.it_value.tv_sec = 0;
  setitimer(ITIMER_REAL, &iv, NULL);
  timer_t ptimer;
  struct sigevent tev = {.sigev_notify = SIGEV_NONE};
  timer_create(CLOCK_MONOTONIC, &tev, &ptimer);
  struct itimerspec tis = {{0, 0}, {100, 0}}, gis;
  show("timer_settime unmapped old value", syscall(SYS_timer_settime, ptimer, 0, &tis, (void*)8));
  timer_gettime(ptimer, &gis);
  printf("  armed: %d\n", gis.it_value.tv_sec > 0);
  timer_delete(ptimer);
  int tfd2 = timerfd_create(CLOCK_MONOTONIC, 0);
  show("timerfd_settime unmapped old value", syscall(SYS_timerfd_settime, tfd2, 0, &tis, (void*)8));
  timerfd_gettime(tfd2, &gis);
  printf("  armed: %d\n", gis.it_value.tv_sec > 0);
  close(tfd2);
  // memfd_create's flags before its name; clock_nanosleep's clock before
  // its request (EINVAL unknown, EOPNOTSUPP a clock that cannot sleep).
  show("memfd_create bad flags, unmapped name", syscall(SYS_memfd_create, (void*)8, 0x12345));
  long sleep_clocks[] = {4, 5, 6, 10, 12, 16, 99, -5};
  for (int k = 0; k < 8; k++) {
    char label[64];
    snprintf(label, sizeof(label), "clock_nanosleep clock %ld, unmapped request", sleep_clocks[k]);
    show(label, syscall(SYS_clock_nanosleep, sleep_clocks[k], 0, (void*)8, NULL));
  }
  // A bad clock or descriptor before the buffer.
  show("clock_gettime unmapped buffer, bad clock", syscall(SYS_clock_gettime, 99, (void*)8));
  show("clock_getres unmapped buffer, bad clock", syscall(SYS_clock_getres, 99, (void*)8));
  show("clock_gettime unmapped buffer, bad cpu clock", syscall(SYS_clock_gettime, -1000000, (void*)8));
  show("clock_gettime unmapped buffer", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void*)8));
  show("epoll_wait unmapped events, bad fd", syscall(SYS_epoll_wait, 999, (void*)8, 1, 0));
  show("epoll_wait unmapped events, not epoll", syscall(SYS_epoll_wait, 0, (void*)8, 1, 0));
  show("getxattr unmapped buffer, no such attribute",
       syscall(SYS_getxattr, "/etc/passwd", "user.none", (void*)8, 10));
  char xf[] = "/tmp/fault_copy_xattr.XXXXXX";
  int xfd = mkstemp(xf);
  show("setxattr user.a", syscall(SYS_setxattr, xf, "user.a", "hello", 5, 0));
  show("getxattr unmapped buffer, too small", syscall(SYS_getxattr, xf, "user.a", (void*)8, 2));
  show("getxattr unmapped buffer, big enough", syscall(SYS_getxattr, xf, "user.a", (void*)8, 10));
  show("listxattr unmapped buffer, big enough", syscall(SYS_listxattr, xf, (void*)8, 64));
  close(xfd);
  unlink(xf);
  show("readlink bad path, size 0", syscall(SYS_readlink, bad, bad, 0));
  char lbuf[16];
  show("readlink size 2^32 (an int: 0)", syscall(SYS_readlink, "/proc/self/root", lbuf, 1L << 32));
  show("readlink size 2^32+1 (an int: 1)", syscall(SYS_readlink, "/proc/self/root", lbuf, (1L << 32) + 1));
  show("rt_sigpending bad", syscall(SYS_rt_sigpending, bad, 8));
  show("prctl get_name bad", prctl(PR_GET_NAME, bad));
  show("socketpair bad", socketpair(AF_UNIX, SOCK_STREAM, 0, (int*)bad));
  probe = open("/dev/null", O_RDONLY);
  printf("next fd after socketpair %d\n", probe - t);
  close(probe);
  socklen_t optlen = sizeof(int);
  show("getsockopt bad", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, bad, &optlen));
  show("setsockopt bad", setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, bad, sizeof(int)));
  show("nanosleep req bad", nanosleep((struct timespec*)bad, NULL));
  int tf = timerfd_create(CLOCK_MONOTONIC, 0);
  timerfd_settime(tf, 0, &(struct itimerspec){.it_value = {0, 1}}, NULL);
  show("timerfd read bad", read(tf, bad, 8));
  int st_fd = open("/proc/self/stat", O_RDONLY);
  show("proc read bad", read(st_fd, bad, 100));
  pid_t child = fork();
  if (child == 0) _exit(3);
  show("wait4 status bad", wait4(child, (int*)bad, 0, NULL) == child ? 0 : -1);
  show("wait4 again", wait4(child, NULL, 0, NULL));

  // Signal masks (the lazy rt_sigprocmask too), signalfd, inotify, getdents.
  sigset_t ss;
  sigemptyset(&ss);
  sigaddset(&ss, SIGUSR2);
  for (int i = 0; i < 2; i++) {  // the second round on the lazy path
    show("sigprocmask set bad", syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, NULL, 8));
    show("sigprocmask old bad", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &ss, bad, 8));
  }
  int sfd = signalfd(-1, &ss, SFD_NONBLOCK);
  show("signalfd read bad none", read(sfd, bad, sizeof(struct signalfd_siginfo)));
  raise(SIGUSR2);
  show("signalfd read bad", read(sfd, bad, sizeof(struct signalfd_siginfo)));
  int in = inotify_init1(IN_NONBLOCK);
  char dir[64];
  snprintf(dir, sizeof(dir), "/tmp/sys_guest_fault_copy.d.%d", (int)getpid());
  mkdir(dir, 0700);
  inotify_add_watch(in, dir, IN_CREATE);
  char sub[96];
  snprintf(sub, sizeof(sub), "%s/x", dir);
  close(open(sub, O_CREAT | O_WRONLY, 0600));
  show("inotify read bad", read(in, bad, 4096));
  unlink(sub);
  rmdir(dir);
  int pd = open("/proc/self", O_RDONLY | O_DIRECTORY);
  show("getdents proc bad", syscall(SYS_getdents64, pd, bad, 4096));
  int td = open("/tmp", O_RDONLY | O_DIRECTORY);
  show("getdents tmp bad", syscall(SYS_getdents64, td, bad, 4096));
  child = fork();
  if (child == 0) _exit(4);
  show("waitid info bad", waitid(P_PID, child, (siginfo_t*)bad, WEXITED));
  // Unmapped results: the child is reaped all the same.
  void* unmapped = (void*)8;
  for (int k = 0; k < 3; k++) {
    child = fork();
    if (child == 0) _exit(5);
    usleep(50000);  // a zombie now
    if (k == 0) show("wait4 unmapped status", syscall(SYS_wait4, child, unmapped, 0, NULL));
    if (k == 1) show("wait4 unmapped rusage", syscall(SYS_wait4, child, NULL, 0, unmapped));
    if (k == 2) show("waitid unmapped info", syscall(SYS_waitid, P_PID, child, unmapped, WEXITED, NULL));
    show("  reaped", wait4(child, NULL, WNOHANG, NULL));
  }
  show("waitid no child, unmapped info", syscall(SYS_waitid, P_PID, child, unmapped, WEXITED, NULL));
  siginfo_t wsi;
  memset(&wsi, 0xff, sizeof(wsi));
  show("waitid no child", waitid(P_PID, child, &wsi, WEXITED));
  printf("  signo %d code %d pid %d status %d, byte 40 %d\n", wsi.si_signo, wsi.si_code, wsi.si_pid,
         wsi.si_status, ((unsigned char*)&wsi)[40]);

  // Futex words the LibOS reads (and FUTEX_WAKE_OP changes).
  uint32_t* fw = (uint32_t*)bad;
  show("futex wait private bad", syscall(SYS_futex, fw, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
  show("futex wait shared bad", syscall(SYS_futex, fw, FUTEX_WAIT, 0, NULL, NULL, 0));
  show("futex wake private bad", syscall(SYS_futex, fw, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  uint32_t good = 0;
  show("futex wake_op bad", syscall(SYS_futex, &good, FUTEX_WAKE_OP_PRIVATE, 1, 1, fw,
                                    FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)));
  show("futex lock_pi bad", syscall(SYS_futex, fw, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  show("futex trylock_pi bad", syscall(SYS_futex, fw, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  show("futex unlock_pi bad", syscall(SYS_futex, fw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  show("futex cmp_requeue bad", syscall(SYS_futex, fw, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &good, 0));

  // A signal frame the LibOS writes on an alternate stack in the bad page:
  // the thread dies of SIGSEGV, as on Linux.
  fflush(stdout);
  child = fork();
  if (child == 0) {
    stack_t ss = {.ss_sp = bad, .ss_size = page};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    _exit(0);
  }
  int ws = 0;
  waitpid(child, &ws, 0);
  printf("signal frame on bad stack: %s %d\n", WIFSIGNALED(ws) ? "killed by" : "exit", WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));

  fflush(stdout);
  child = fork();
  if (child == 0) {
    char* args[] = {argv[0], "rseq", NULL};
    char* env[] = {"GLIBC_TUNABLES=glibc.pthread.rseq=0", NULL};
    execve("/proc/self/exe", args, env);
    _exit(127);
  }
  waitpid(child, &ws, 0);
  printf("rseq child: %s %d\n", WIFSIGNALED(ws) ? "killed by" : "exit", WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));

  munmap(m, 2 * page);
  close(fd);
  unlink(file);
  fflush(stdout);
  for (past_vma = 0; past_vma < 2; past_vma++) partial_faults();
  return 0;
}
