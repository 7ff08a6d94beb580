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
#include <string.h>
#include <poll.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char* what, long r) {
  printf("%s: %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
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
  return 0;
}
