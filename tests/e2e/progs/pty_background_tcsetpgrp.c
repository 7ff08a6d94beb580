// A process outside its terminal's foreground group changes the terminal
// (tcsetpgrp, tcsetattr), as a shell's child gives itself the terminal
// before its parent has: allowed when it blocks or ignores SIGTTOU, a stop
// by SIGTTOU otherwise (continued once its parent gave it the terminal, the
// call then succeeds). Runs in a session of its own on a new pty.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

enum { kBlocked, kIgnored, kDefault };
static const char* const kNames[] = {"blocked", "ignored", "default"};

// In a new process group (not the foreground one): change the terminal.
static int background_change(int tty, int how) {
  if (setpgid(0, 0) != 0) return 10;
  signal(SIGTTOU, how == kIgnored ? SIG_IGN : SIG_DFL);  // not the leader's
  if (how == kBlocked) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTTOU);
    sigprocmask(SIG_BLOCK, &s, NULL);
  }
  struct termios t;
  if (tcgetattr(tty, &t) != 0) return 11;
  if (how != kDefault && tcsetattr(tty, TCSANOW, &t) != 0) return 12;
  if (tcsetpgrp(tty, getpgrp()) != 0) return 13;
  return tcgetpgrp(tty) == getpgrp() ? 0 : 14;
}

// The session leader: runs each case in a child and reports how it ended.
static int session(const char* slave) {
  if (setsid() < 0) return perror("setsid"), 1;
  int tty = open(slave, O_RDWR);
  if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) != 0) return perror("ctty"), 1;
  signal(SIGTTOU, SIG_IGN);  // the leader takes the terminal back
  for (int how = kBlocked; how <= kDefault; how++) {
    pid_t c = fork();
    if (c == 0) _exit(background_change(tty, how));
    setpgid(c, c);
    int st;
    if (waitpid(c, &st, WUNTRACED) != c) return perror("waitpid"), 1;
    if (WIFSTOPPED(st)) {
      printf("%s: stopped by %s\n", kNames[how], strsignal(WSTOPSIG(st)));
      // Give it the terminal and continue it: its call is restarted.
      tcsetpgrp(tty, c);
      kill(c, SIGCONT);
      if (waitpid(c, &st, 0) != c) return perror("waitpid"), 1;
    }
    if (WIFEXITED(st))
      printf("%s: exited %d\n", kNames[how], WEXITSTATUS(st));
    else
      printf("%s: killed by %s\n", kNames[how], strsignal(WTERMSIG(st)));
    tcsetpgrp(tty, getpgrp());
  }
  fflush(stdout);
  return 0;
}

int main(void) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return perror("pty"), 1;
  const char* slave = ptsname(master);
  fflush(stdout);
  pid_t leader = fork();
  if (leader == 0) _exit(session(slave));
  int st;
  waitpid(leader, &st, 0);
  printf("session: exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
