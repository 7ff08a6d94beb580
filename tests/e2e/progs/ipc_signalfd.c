// signalfd and the temporary masks of ppoll/pselect6/epoll_pwait, compared
// with Linux: what a read returns (several signals at once, siginfo fields
// by sender), blocking reads woken by another thread and by a host timer,
// poll and epoll on a signalfd, SFD_NONBLOCK, a mask change, EINTR from a
// signal outside the mask; and a handler interrupting ppoll runs with the
// temporary mask, the caller's returning after it. No sleep orders
// anything: each signal or timer that must find the main thread blocked is
// sent or armed once the main thread sleeps in its call.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "thread_state.h"

static sigset_t Set(int a, int b, int c) {
  sigset_t s;
  sigemptyset(&s);
  if (a) sigaddset(&s, a);
  if (b) sigaddset(&s, b);
  if (c) sigaddset(&s, c);
  return s;
}

static void Show(const char* what, const struct signalfd_siginfo* si) {
  printf("%s: signo %u code %d pid_ok %d uid_ok %d int %d ptr %llu status %d\n", what,
         si->ssi_signo, si->ssi_code, si->ssi_pid == (uint32_t)getpid(),
         si->ssi_uid == getuid(), si->ssi_int, (unsigned long long)si->ssi_ptr, si->ssi_status);
}

static int ReadOne(int fd, const char* what) {
  struct signalfd_siginfo si;
  ssize_t n = read(fd, &si, sizeof(si));
  if (n != (ssize_t)sizeof(si)) {
    printf("%s: read %zd errno %s\n", what, n, n < 0 ? strerror(errno) : "-");
    return -1;
  }
  Show(what, &si);
  return 0;
}

static volatile int g_calling;  // the main thread is entering its blocking call

// Once the main thread (tid = pid) has started its call and sleeps in it:
// sends `sig` to the process, or with 0 arms a 30 ms ITIMER_REAL. This
// thread blocks the signals, so the main thread or the signalfd takes them.
static void* WhenAsleep(void* arg) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  for (int i = 0; i < 30000 && !g_calling; i++) usleep(1000);
  wait_thread_asleep(getpid());
  int sig = (int)(long)arg;
  if (sig) {
    kill(getpid(), sig);
  } else {
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
  }
  return NULL;
}

// `sig` (0: the timer) once the call that follows sleeps; the caller sets
// g_calling just before it.
static void After(int sig) {
  g_calling = 0;
  pthread_t t;
  pthread_create(&t, NULL, WhenAsleep, (void*)(long)sig);
  pthread_detach(t);
}

static volatile sig_atomic_t g_alarms;
static void OnAlarm(int sig) { (void)sig; g_alarms++; }

// What the handler of a signal that interrupted ppoll sees.
static volatile int g_in_handler_usr2, g_in_handler_rtmin, g_uc_usr2, g_uc_rtmin;
static void OnUsr1(int sig, siginfo_t* info, void* ucv) {
  (void)sig; (void)info;
  ucontext_t* uc = ucv;
  sigset_t cur;
  sigprocmask(SIG_SETMASK, NULL, &cur);
  g_in_handler_usr2 = sigismember(&cur, SIGUSR2);
  g_in_handler_rtmin = sigismember(&cur, SIGRTMIN);
  g_uc_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
  g_uc_rtmin = sigismember(&uc->uc_sigmask, SIGRTMIN);
}

static void ShowMask(const char* when) {
  sigset_t cur;
  sigprocmask(SIG_SETMASK, NULL, &cur);
  printf("%s: usr1 %d usr2 %d rtmin %d\n", when, sigismember(&cur, SIGUSR1),
         sigismember(&cur, SIGUSR2), sigismember(&cur, SIGRTMIN));
}

static void ResetHandler(void) {
  g_in_handler_usr2 = g_in_handler_rtmin = g_uc_usr2 = g_uc_rtmin = -1;
}

static void ShowHandler(const char* call, int r, int err) {
  printf("%s -> %d %s; handler mask: usr2 %d rtmin %d; frame's mask: usr2 %d rtmin %d\n", call, r,
         r < 0 ? strerror(err) : "", g_in_handler_usr2, g_in_handler_rtmin, g_uc_usr2, g_uc_rtmin);
  ShowMask("  after");
}

static void TempMasks(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnUsr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  // The caller blocks USR1 and RTMIN; the calls' temporary mask blocks only
  // USR2. USR1 is pending before each call: it interrupts it at once.
  sigset_t caller = Set(SIGUSR1, SIGRTMIN, 0), temp = Set(SIGUSR2, 0, 0);
  sigprocmask(SIG_SETMASK, &caller, NULL);
  ShowMask("caller");

  ResetHandler();
  raise(SIGUSR1);
  int r = ppoll(NULL, 0, NULL, &temp);
  ShowHandler("ppoll", r, errno);

  ResetHandler();
  raise(SIGUSR1);
  r = pselect(0, NULL, NULL, NULL, NULL, &temp);
  ShowHandler("pselect", r, errno);

  int ep = epoll_create1(0);
  struct epoll_event ev;
  ResetHandler();
  raise(SIGUSR1);
  r = epoll_pwait(ep, &ev, 1, -1, &temp);
  ShowHandler("epoll_pwait", r, errno);

  // Ready descriptors win over a pending signal: no EINTR, no handler, and
  // the caller's mask is back at once.
  int p[2];
  pipe(p);
  write(p[1], "x", 1);
  struct pollfd pfd = {p[0], POLLIN, 0};
  ResetHandler();
  raise(SIGUSR1);
  r = ppoll(&pfd, 1, NULL, &temp);
  ShowHandler("ppoll ready", r, errno);
  sigset_t pending;
  sigpending(&pending);
  printf("  usr1 still pending %d\n", sigismember(&pending, SIGUSR1));
  sigprocmask(SIG_SETMASK, &temp, NULL);  // takes it
  printf("  handler ran once unblocked: %d\n", g_in_handler_usr2 != -1);
  sigprocmask(SIG_SETMASK, &caller, NULL);
  close(p[0]);
  close(p[1]);
  close(ep);
  signal(SIGUSR1, SIG_DFL);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t blocked = Set(SIGUSR1, SIGUSR2, SIGRTMIN);
  sigaddset(&blocked, SIGALRM);
  sigaddset(&blocked, SIGCHLD);
  sigprocmask(SIG_BLOCK, &blocked, NULL);

  sigset_t m = Set(SIGUSR1, SIGUSR2, 0);
  int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
  struct signalfd_siginfo si[4];
  ssize_t n = read(fd, si, sizeof(si));
  printf("empty nonblocking read: %zd %s\n", n, strerror(errno));
  n = read(fd, si, sizeof(si[0]) - 1);
  printf("short buffer: %zd %s\n", n, strerror(errno));

  // Several signals in one read, lowest number first; kill and tgkill.
  kill(getpid(), SIGUSR2);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
  n = read(fd, si, sizeof(si));
  printf("two pending: read %zd bytes\n", n);
  for (int i = 0; i < n / (ssize_t)sizeof(si[0]); i++) Show("  got", &si[i]);

  // sigqueue carries its value.
  union sigval v = {.sival_int = 42};
  if (sigqueue(getpid(), SIGUSR1, v) != 0) printf("sigqueue: %s\n", strerror(errno));
  ReadOne(fd, "sigqueue");

  // A blocking read, woken when another thread sends the signal.
  int bfd = signalfd(-1, &m, SFD_CLOEXEC);
  After(SIGUSR2);
  g_calling = 1;
  ReadOne(bfd, "blocking read");

  // poll and epoll on a signalfd.
  struct pollfd pfd = {fd, POLLIN, 0};
  printf("poll before: %d\n", poll(&pfd, 1, 0));
  After(SIGUSR1);
  g_calling = 1;
  int r = poll(&pfd, 1, -1);
  printf("poll: %d revents %#x\n", r, pfd.revents);
  ReadOne(fd, "after poll");
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
  epoll_ctl(ep, EPOLL_CTL_ADD, bfd, &ev);
  After(SIGUSR2);
  struct epoll_event out;
  g_calling = 1;
  r = epoll_wait(ep, &out, 1, -1);
  printf("epoll_wait: %d events %#x data %u\n", r, out.events, out.data.u32);
  ReadOne(bfd, "after epoll");

  // Changing the mask of an existing signalfd: an already pending RTMIN.
  kill(getpid(), SIGRTMIN);
  printf("rtmin outside the mask: poll %d\n", poll(&pfd, 1, 0));
  sigset_t m2 = Set(SIGRTMIN, 0, 0);
  printf("new mask: %d\n", signalfd(fd, &m2, 0) == fd);
  ReadOne(fd, "rtmin");

  // A host timer's signal, blocked, wakes a blocking reader.
  sigset_t ma = Set(SIGALRM, 0, 0);
  int afd = signalfd(-1, &ma, SFD_CLOEXEC);
  After(0);
  g_calling = 1;
  ReadOne(afd, "host timer");

  // A handled signal outside the mask interrupts a blocking read.
  sigprocmask(SIG_UNBLOCK, &ma, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnAlarm;
  sigaction(SIGALRM, &sa, NULL);
  After(0);
  g_calling = 1;
  ReadOne(bfd, "interrupted read");
  printf("alarms handled: %d\n", (int)g_alarms);

  // SIGCHLD of an exiting child, with its status.
  sigset_t mc = Set(SIGCHLD, 0, 0);
  int cfd = signalfd(-1, &mc, SFD_CLOEXEC);
  pid_t child = fork();
  if (child == 0) _exit(7);
  struct signalfd_siginfo cs;
  if (read(cfd, &cs, sizeof(cs)) == sizeof(cs))
    printf("sigchld: signo %u code %d status %d\n", cs.ssi_signo, cs.ssi_code, cs.ssi_status);
  waitpid(child, NULL, 0);

  TempMasks();
  return 0;
}
