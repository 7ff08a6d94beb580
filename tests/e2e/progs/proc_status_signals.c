// /proc/self/status's ShdPnd, SigIgn and SigCgt lines (CPython's
// test_subprocess test_restore_signals reads SigIgn): ignored and caught
// dispositions, and a blocked process-directed signal left pending.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void On(int sig) { (void)sig; }

static void Show(const char* when) {
  printf("%s:\n", when);
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "ShdPnd:", 7) || !strncmp(line, "SigIgn:", 7) || !strncmp(line, "SigCgt:", 7))
      printf("  %s", line);
  if (f) fclose(f);
}

int main(void) {
  Show("at start");
  signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR2, On);
  signal(SIGRTMIN + 3, On);
  signal(SIGPIPE, SIG_IGN);
  Show("after signal()");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  kill(getpid(), SIGTERM);
  Show("SIGTERM blocked and sent");
  signal(SIGTERM, SIG_IGN);  // discards the pending one
  signal(SIGUSR2, SIG_DFL);
  Show("after SIG_IGN / SIG_DFL");
  return 0;
}
