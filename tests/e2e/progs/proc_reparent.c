// SIGCHLD's siginfo names the child by the pid fork returned, and a
// signal a child sends names it too; PR_SET_PDEATHSIG fires when the
// parent dies; an orphan goes to the nearest PR_SET_CHILD_SUBREAPER
// ancestor, whose wait(-1) then reaps it. Pids are printed only as
// comparisons (they differ between runs).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld_seen, usr1_seen, chld_code, chld_status;
static volatile pid_t chld_pid, usr1_pid;

static void on_chld(int sig, siginfo_t* si, void* uc) {
  (void)sig, (void)uc;
  chld_pid = si->si_pid;
  chld_code = si->si_code;
  chld_status = si->si_status;
  chld_seen = 1;
}

static void on_usr1(int sig, siginfo_t* si, void* uc) {
  (void)sig, (void)uc;
  usr1_pid = si->si_pid;
  usr1_seen = 1;
}

static void siginfo_of_child(void) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t pid = fork();
  if (pid == 0) {
    kill(getppid(), SIGUSR1);
    _exit(7);
  }
  while (!chld_seen || !usr1_seen) sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  int st;
  waitpid(pid, &st, 0);
  printf("SIGCHLD si_pid is the child: %s, code CLD_EXITED: %s, status %d\n",
         chld_pid == pid ? "yes" : "no", chld_code == CLD_EXITED ? "yes" : "no", chld_status);
  printf("SIGUSR1 si_pid is the child: %s\n", usr1_pid == pid ? "yes" : "no");
}

static volatile sig_atomic_t pdeath;
static void on_pdeath(int sig) { (void)sig; pdeath = 1; }

// B (a subreaper) -> C -> D. D asks for SIGUSR2 when its parent dies; C
// exits; D sees the signal, is adopted by B and exits 5; B reaps it.
static int subreaper_b(void) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  int v = -1;
  prctl(PR_GET_CHILD_SUBREAPER, &v);
  printf("B: subreaper flag %d\n", v);
  fflush(stdout);
  int p[2];
  pipe(p);
  pid_t b = getpid();
  pid_t c = fork();
  if (c == 0) {
    int ready[2];
    pipe(ready);
    pid_t d = fork();
    if (d == 0) {
      signal(SIGUSR2, on_pdeath);
      sigset_t none;
      sigemptyset(&none);
      prctl(PR_SET_PDEATHSIG, SIGUSR2);
      int sig = 0;
      prctl(PR_GET_PDEATHSIG, &sig);
      write(ready[1], "r", 1);
      while (!pdeath) sigsuspend(&none);
      char line[64];
      int n = snprintf(line, sizeof(line), "%d %d %d", getpid(), sig == SIGUSR2, getppid() == b);
      write(p[1], line, (size_t)n);
      _exit(5);
    }
    char r;
    read(ready[0], &r, 1);
    _exit(0);
  }
  close(p[1]);
  int st;
  waitpid(c, &st, 0);
  printf("B: C exited %d\n", WEXITSTATUS(st));
  char line[64] = {0};
  read(p[0], line, sizeof(line) - 1);
  int dpid = 0, sig_ok = 0, ppid_ok = 0;
  sscanf(line, "%d %d %d", &dpid, &sig_ok, &ppid_ok);
  printf("D: PR_GET_PDEATHSIG as set: %s, parent-death signal seen, adopted by B: %s\n",
         sig_ok ? "yes" : "no", ppid_ok ? "yes" : "no");
  pid_t w = wait(&st);
  printf("B: wait(-1) reaped D: %s, status %d\n", w == dpid ? "yes" : "no", WEXITSTATUS(st));
  printf("B: no more children: %s\n", wait(&st) == -1 ? "yes" : "no");
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_flags = SA_SIGINFO;
  sa.sa_sigaction = on_chld;
  sigaction(SIGCHLD, &sa, NULL);
  sa.sa_sigaction = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  siginfo_of_child();
  signal(SIGCHLD, SIG_DFL);
  pid_t b = fork();
  if (b == 0) _exit(subreaper_b());
  int st;
  waitpid(b, &st, 0);
  printf("B exited %d\n", WEXITSTATUS(st));
  return 0;
}
