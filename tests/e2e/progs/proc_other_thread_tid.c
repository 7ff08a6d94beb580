// The id of a thread (not the main one) of another process, passed where a
// pid names a task: prlimit64 (limits are the process's), getpgid/getsid,
// kill (the thread's process), tgkill/tkill/rt_tgsigqueueinfo (that very
// thread: its own sigwaitinfo takes the signal, the main thread's does
// not), pidfd_open (EINVAL without PIDFD_THREAD). A wrong tgid, a thread
// that has exited, a process that has exited (a zombie's threads are
// gone) and one that has exec'd (its other threads die) give ESRCH.
// Within a process: another thread's id in getpgid/getsid, and its
// /proc/TID (not listed in /proc, but there: its status names the thread).
// Ids differ between runs, so only their relations are printed.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static int to_parent, main_cmd, thread_cmd;
// A queued signal's code Linux passes on as given (any negative one but
// SI_TKILL); Junction uses it between its processes, and must not take a
// guest's for its own.
enum { kOddCode = -0x4a54 };

static void report(const char* what, long rc) {
  printf("%s: %ld %s\n", what, rc, rc < 0 ? strerror(errno) : "");
  fflush(stdout);
}

static char get(int fd) {
  char c = 0;
  if (read(fd, &c, 1) != 1) _exit(3);
  return c;
}

static void put(int fd, const void* p, size_t n) {
  if (write(fd, p, n) != (ssize_t)n) _exit(4);
}

// Answers with the signal's code and whether the sender is the parent, or
// 'n' when none is pending for this thread (or its process). `block`: waits
// for it (a signal another process sent may still be on its way to the
// thread under Junction; one that never comes fails by the test's timeout).
static void wait_signal(int sig, int block) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  struct timespec zero = {0, 0};
  siginfo_t info;
  char r[3] = {'n', 0, 0};
  if ((block ? sigwaitinfo(&s, &info) : sigtimedwait(&s, &info, &zero)) == sig) {
    r[0] = 'y';
    r[1] = (char)(info.si_code == SI_TKILL  ? 't'
                  : info.si_code == SI_USER ? 'u'
                  : info.si_code == SI_QUEUE ? 'q'
                  : info.si_code == kOddCode ? 'o'
                                             : '?');
    r[2] = (char)(info.si_pid == getppid() ? 'p' : '?');
  }
  put(to_parent, r, 3);
}

static void* thread_main(void* arg) {
  (void)arg;
  pid_t tid = gettid();
  put(to_parent, &tid, sizeof(tid));
  for (;;) {
    char c = get(thread_cmd);
    if (c == 'q') return NULL;
    if (c == '2') wait_signal(SIGUSR2, 1);
    if (c == 'r') wait_signal(SIGRTMIN, 1);
  }
}

static void child_main(const char* self) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  sigaddset(&s, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &s, NULL);  // the thread inherits it
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  for (;;) {
    char c = get(main_cmd);
    if (c == '1') wait_signal(SIGUSR1, 1);
    if (c == '2') wait_signal(SIGUSR2, 0);
    if (c == 'r') wait_signal(SIGRTMIN, 0);
    if (c == 'R') wait_signal(SIGRTMIN, 1);
    if (c == 'l') {
      struct rlimit r;
      getrlimit(RLIMIT_CORE, &r);
      put(to_parent, &r.rlim_cur, sizeof(r.rlim_cur));
    }
    if (c == 'j') {  // the thread exits
      put(thread_cmd + 1, "q", 1);
      pthread_join(t, NULL);
      put(to_parent, "j", 1);
    }
    if (c == 'x') _exit(0);  // the thread is still running
    if (c == 'e') {          // exec with the thread running
      char fd[16];
      snprintf(fd, sizeof(fd), "%d", to_parent);
      execl(self, self, "exec-target", fd, (char*)NULL);
      _exit(5);
    }
  }
}

struct child {
  pid_t pid, tid;
  int cmd, tcmd, reply;
};

// A child whose second thread is running; its id comes back.
static struct child start_child(const char* self) {
  int up[2], mc[2], tc[2];
  if (pipe(up) || pipe(mc) || pipe(tc)) exit(2);
  struct child c;
  c.pid = fork();
  if (c.pid == 0) {
    close(up[0]);
    close(mc[1]);
    to_parent = up[1];
    main_cmd = mc[0];
    thread_cmd = tc[0];
    // tc[1] stays open in the child: the main thread tells the thread to exit.
    child_main(self);
  }
  close(up[1]);
  close(mc[0]);
  close(tc[0]);
  c.cmd = mc[1];
  c.tcmd = tc[1];
  c.reply = up[0];
  if (read(c.reply, &c.tid, sizeof(c.tid)) != sizeof(c.tid)) exit(2);
  return c;
}

static void ask(const struct child* c, int fd, char cmd, const char* what) {
  put(fd, &cmd, 1);
  char r[3];
  if (read(c->reply, r, 3) != 3) exit(2);
  if (r[0] == 'n') printf("%s: none pending\n", what);
  else printf("%s: taken, code %c, from parent %c\n", what, r[1], r[2]);
  fflush(stdout);
}

static long sigqueue_thread(pid_t tgid, pid_t tid, int sig) {
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  info.si_signo = sig;
  info.si_code = SI_QUEUE;
  info.si_pid = getpid();
  info.si_uid = getuid();
  return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &info);
}

// Every call that takes the id of a live thread of `c`.
static void live_thread(const struct child* c) {
  printf("the thread's id is not its process's: %d\n", c->tid != c->pid);
  struct rlimit a, b;
  report("prlimit64(tid, NOFILE) get", syscall(SYS_prlimit64, c->tid, RLIMIT_NOFILE, NULL, &a));
  syscall(SYS_prlimit64, c->pid, RLIMIT_NOFILE, NULL, &b);
  printf("  the process's limit: %d\n", a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max);
  struct rlimit core;
  syscall(SYS_prlimit64, c->pid, RLIMIT_CORE, NULL, &core);
  core.rlim_cur = core.rlim_max == RLIM_INFINITY ? 4096 : core.rlim_max / 2;
  report("prlimit64(tid, CORE) set", syscall(SYS_prlimit64, c->tid, RLIMIT_CORE, &core, NULL));
  put(c->cmd, "l", 1);
  rlim_t seen;
  if (read(c->reply, &seen, sizeof(seen)) != sizeof(seen)) exit(2);
  printf("  its main thread's getrlimit sees it: %d\n", seen == core.rlim_cur);
  report("getpgid(tid) is the process's", syscall(SYS_getpgid, c->tid) == getpgid(c->pid));
  report("getsid(tid) is the process's", syscall(SYS_getsid, c->tid) == getsid(c->pid));

  report("kill(tid, 0)", kill(c->tid, 0));
  report("kill(tid, SIGUSR1)", kill(c->tid, SIGUSR1));
  ask(c, c->cmd, '1', "  main thread waits for SIGUSR1");
  report("tgkill(pid, tid, 0)", syscall(SYS_tgkill, c->pid, c->tid, 0));
  report("tkill(tid, 0)", syscall(SYS_tkill, c->tid, 0));
  report("tgkill(own pid, tid, 0)", syscall(SYS_tgkill, getpid(), c->tid, 0));
  report("tgkill(tid, tid, 0)", syscall(SYS_tgkill, c->tid, c->tid, 0));
  report("rt_tgsigqueueinfo(pid, tid, 0)", sigqueue_thread(c->pid, c->tid, 0));
  report("rt_tgsigqueueinfo(own pid, tid, 0)", sigqueue_thread(getpid(), c->tid, 0));

  report("tgkill(pid, tid, SIGUSR2)", syscall(SYS_tgkill, c->pid, c->tid, SIGUSR2));
  ask(c, c->cmd, '2', "  main thread waits for SIGUSR2");
  ask(c, c->tcmd, '2', "  the thread waits for SIGUSR2");
  report("tkill(tid, SIGUSR2)", syscall(SYS_tkill, c->tid, SIGUSR2));
  ask(c, c->cmd, '2', "  main thread waits for SIGUSR2");
  ask(c, c->tcmd, '2', "  the thread waits for SIGUSR2");
  report("rt_tgsigqueueinfo(pid, tid, SIGRTMIN)", sigqueue_thread(c->pid, c->tid, SIGRTMIN));
  ask(c, c->cmd, 'r', "  main thread waits for SIGRTMIN");
  ask(c, c->tcmd, 'r', "  the thread waits for SIGRTMIN");
  report("tgkill(pid, tid, 65)", syscall(SYS_tgkill, c->pid, c->tid, 65));
  siginfo_t forged;
  memset(&forged, 0, sizeof(forged));
  forged.si_signo = SIGRTMIN;
  forged.si_code = SI_USER;  // only a thread signalling itself may claim it
  report("rt_tgsigqueueinfo(pid, tid, SI_USER)", syscall(SYS_rt_tgsigqueueinfo, c->pid, c->tid, SIGRTMIN, &forged));
  forged.si_code = kOddCode;
  forged.si_pid = getpid();
  report("rt_sigqueueinfo(pid, code -0x4a54)", syscall(SYS_rt_sigqueueinfo, c->pid, SIGRTMIN, &forged));
  ask(c, c->cmd, 'R', "  main thread waits for SIGRTMIN");

  errno = 0;
  long fd = syscall(SYS_pidfd_open, c->tid, 0);
  report("pidfd_open(tid, 0)", fd < 0 ? fd : 0);
  if (fd >= 0) close((int)fd);
}

// Every call answers ESRCH for a thread that is gone.
static void gone_thread(pid_t tid, const char* when) {
  struct rlimit r;
  printf("%s:\n", when);
  report("  kill(tid, 0)", kill(tid, 0));
  report("  tkill(tid, 0)", syscall(SYS_tkill, tid, 0));
  report("  prlimit64(tid)", syscall(SYS_prlimit64, tid, RLIMIT_NOFILE, NULL, &r));
  report("  getpgid(tid)", syscall(SYS_getpgid, tid));
  report("  getsid(tid)", syscall(SYS_getsid, tid));
}

static pid_t own_tid;
static pthread_barrier_t own_barrier;

static void* own_thread(void* arg) {
  (void)arg;
  own_tid = gettid();
  pthread_barrier_wait(&own_barrier);
  pthread_barrier_wait(&own_barrier);  // until the checks are done
  return NULL;
}

static void own_thread_checks(void) {
  pthread_barrier_init(&own_barrier, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, own_thread, NULL);
  pthread_barrier_wait(&own_barrier);
  printf("own thread: getpgid(tid) is ours: %d, getsid(tid) is ours: %d\n",
         (pid_t)syscall(SYS_getpgid, own_tid) == getpgid(0), (pid_t)syscall(SYS_getsid, own_tid) == getsid(0));
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%d/status", own_tid);
  FILE* f = fopen(path, "r");
  printf("own thread: /proc/tid/status opens: %d\n", f != NULL);
  while (f && fgets(line, sizeof(line), f)) {
    if (strncmp(line, "Tgid:", 5) == 0) printf("  Tgid is our pid: %d\n", atoi(line + 5) == getpid());
    if (strncmp(line, "Pid:", 4) == 0) printf("  Pid is the thread's id: %d\n", atoi(line + 4) == own_tid);
  }
  if (f) fclose(f);
  snprintf(path, sizeof(path), "/proc/%d/comm", own_tid);
  printf("own thread: /proc/tid/comm opens: %d\n", access(path, R_OK) == 0);
  char name[16];
  snprintf(name, sizeof(name), "%d", own_tid);
  int listed = 0;
  DIR* d = opendir("/proc");
  for (struct dirent* e; d && (e = readdir(d));) listed |= strcmp(e->d_name, name) == 0;
  if (d) closedir(d);
  printf("own thread: listed in /proc: %d\n", listed);
  pthread_barrier_wait(&own_barrier);
  pthread_join(t, NULL);
  snprintf(path, sizeof(path), "/proc/%d/status", own_tid);
  printf("own thread joined: /proc/tid/status opens: %d\n", access(path, R_OK) == 0);
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "exec-target") == 0) {
    put(atoi(argv[2]), "e", 1);  // exec'd; the parent then kills us
    pause();
    return 0;
  }
  own_thread_checks();
  struct child c = start_child(argv[0]);
  live_thread(&c);
  put(c.cmd, "j", 1);
  char r;
  if (read(c.reply, &r, 1) != 1) exit(2);
  gone_thread(c.tid, "after the thread exited");
  put(c.cmd, "x", 1);
  siginfo_t info;
  waitid(P_PID, (id_t)c.pid, &info, WEXITED | WNOWAIT);
  report("a zombie's pid: kill(pid, 0)", kill(c.pid, 0));
  gone_thread(c.tid, "its process a zombie");
  waitpid(c.pid, NULL, 0);

  struct child e = start_child(argv[0]);
  put(e.cmd, "e", 1);
  if (read(e.reply, &r, 1) != 1) exit(2);
  report("after exec: kill(pid, 0)", kill(e.pid, 0));
  gone_thread(e.tid, "its process exec'd");
  kill(e.pid, SIGKILL);
  waitpid(e.pid, NULL, 0);

  // A default action for one thread's signal is the whole process's.
  int sigs[2] = {SIGTERM, SIGKILL};
  for (int i = 0; i < 2; i++) {
    struct child k = start_child(argv[0]);
    report(i ? "tkill(tid, SIGKILL)" : "tgkill(pid, tid, SIGTERM)",
           i ? syscall(SYS_tkill, k.tid, SIGKILL) : syscall(SYS_tgkill, k.pid, k.tid, SIGTERM));
    int status = 0;
    waitpid(k.pid, &status, 0);
    printf("  its process was killed by it: %d\n", WIFSIGNALED(status) && WTERMSIG(status) == sigs[i]);
    gone_thread(k.tid, "its process killed");
  }
  return 0;
}
