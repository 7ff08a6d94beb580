// sigwaitinfo/sigtimedwait on a blocked signal, sigsuspend with a
// temporary mask (restored after the handler), pause.
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
static void h(int s) { (void)s; }
int main(void) {
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, 0);
  raise(SIGUSR1);
  siginfo_t si; int r = sigwaitinfo(&set, &si);
  printf("sigwaitinfo=%d code=%d\n", r, si.si_code);
  struct timespec t = {0, 50000000};
  r = sigtimedwait(&set, &si, &t);
  printf("timed out: %d errno=%d\n", r, errno == EAGAIN);
  signal(SIGALRM, h);
  alarm(1);
  sigset_t empty; sigemptyset(&empty);
  r = sigsuspend(&empty);
  sigset_t now; sigprocmask(SIG_BLOCK, 0, &now);
  printf("sigsuspend=%d eintr=%d mask restored=%d\n", r, errno == EINTR, sigismember(&now, SIGUSR1));
  alarm(1); pause(); printf("pause returned\n");
  return 0;
}
