// SIGALRM from alarm() and setitimer() delivered to a SA_SIGINFO handler
// while the guest spins (no system calls), a blocking read interrupted
// without SA_RESTART, and blocked/ignored signals.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <errno.h>
#include <sys/time.h>
static volatile sig_atomic_t hits;
static void on_alrm(int sig, siginfo_t* si, void* uc) { (void)uc; hits++; if (hits == 1) printf("handler sig=%d code=%d\n", sig, si->si_code); }
int main(void) {
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = on_alrm; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGALRM, &sa, 0);
  alarm(1);
  volatile unsigned long spin = 0; while (!hits) spin++;
  printf("spun, hits=%d\n", hits);
  struct itimerval it = {{0, 20000}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, 0);
  double x = 1.0; for (int i = 0; hits < 10; i++) x = x * 1.0000001 + 0.5;
  printf("timer hits ok=%d x>0=%d\n", hits >= 10, x > 0);
  it.it_value.tv_usec = 0; it.it_interval.tv_usec = 0; setitimer(ITIMER_REAL, &it, 0);
  // blocking read interrupted, no SA_RESTART
  int p[2]; pipe(p); alarm(1);
  char c; ssize_t r = read(p[0], &c, 1);
  printf("read r=%zd errno=%s\n", r, r < 0 ? strerror(errno) : "-");
  // with SA_RESTART: write after the alarm arrives from a second alarm... just check sigprocmask
  sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1); sigprocmask(SIG_BLOCK, &s, 0);
  raise(SIGUSR1); printf("blocked usr1 pending\n");
  signal(SIGUSR1, SIG_IGN); sigprocmask(SIG_UNBLOCK, &s, 0); printf("ignored\n");
  return 0;
}
