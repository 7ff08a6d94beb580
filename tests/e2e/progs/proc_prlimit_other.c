// prlimit64 on another process of the same container (run as root):
// reading every resource of a child (the same as the parent's, which it
// inherited), setting its RLIMIT_NOFILE (its next open fails past the new
// soft limit), RLIMIT_CORE (its getrlimit sees it) and RLIMIT_SIGPENDING
// (its next real-time signal is refused, although it queued one before);
// the errors: a bad resource, soft above hard, a bad pointer, a reaped pid
// (ESRCH), a zombie (still answers); Linux's permission rules: a process
// whose ids are not all the target's gets EPERM unless it has
// CAP_SYS_RESOURCE (root here may lack it: the answer is the host's), one
// with the same ids may lower but not raise a hard limit.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
  pid_t pid;
  int cmd, ack;  // the parent's ends
};

static int plim(pid_t pid, int resource, const struct rlimit* n, struct rlimit* o) {
  return (int)syscall(SYS_prlimit64, pid, resource, n, o);
}

static void report(const char* what, int rc) {
  printf("%s: %d %s\n", what, rc, rc ? strerror(errno) : "");
  fflush(stdout);
}

static void child_command(char c) {
  struct rlimit r;
  switch (c) {
    case 'n': {  // open until EMFILE
      getrlimit(RLIMIT_NOFILE, &r);
      int last = -1, fd;
      while ((fd = open("/dev/null", O_RDONLY)) >= 0) last = fd;
      printf("child: nofile %llu/%llu, last fd opened %d, then %s\n", (unsigned long long)r.rlim_cur,
             (unsigned long long)r.rlim_max, last, strerror(errno));
      for (int i = 3; i <= last; i++)
        if (fcntl(i, F_GETFD) >= 0 && i > 8) close(i);
      break;
    }
    case 'c':
      getrlimit(RLIMIT_CORE, &r);
      printf("child: core soft %llu\n", (unsigned long long)r.rlim_cur);
      break;
    case 'q': {  // queue one real-time signal to itself and take it
      sigset_t s;
      sigemptyset(&s);
      sigaddset(&s, SIGRTMIN);
      sigprocmask(SIG_BLOCK, &s, NULL);
      union sigval v = {0};
      int rc = sigqueue(getpid(), SIGRTMIN, v);
      printf("child: sigqueue %d %s", rc, rc ? strerror(errno) : "");
      if (rc == 0) printf(", taken %d", sigwaitinfo(&s, NULL) == SIGRTMIN);
      printf("\n");
      break;
    }
    case 'u':
      if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) printf("child: setresuid failed\n");
      break;
  }
  fflush(stdout);
}

static struct child spawn(void) {
  int cmd[2], ack[2];
  pipe(cmd);
  pipe(ack);
  pid_t pid = fork();
  if (pid == 0) {
    // Not the other children's pipe ends (their EOF is the parent's close).
    for (int fd = 3; fd < 64; fd++)
      if (fd != cmd[0] && fd != ack[1]) close(fd);
    char c;
    while (read(cmd[0], &c, 1) == 1) {
      child_command(c);
      write(ack[1], "k", 1);
    }
    _exit(0);
  }
  close(cmd[0]);
  close(ack[1]);
  return (struct child){pid, cmd[1], ack[0]};
}

static void tell(struct child* c, char what) {
  char k;
  fflush(stdout);
  write(c->cmd, &what, 1);
  read(c->ack, &k, 1);
}

static void finish(struct child* c) {
  close(c->cmd);
  close(c->ack);
  waitpid(c->pid, NULL, 0);
}

int main(void) {
  struct child a = spawn();
  struct rlimit mine, its, n, o;
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    getrlimit(r, &mine);
    int rc = plim(a.pid, r, NULL, &its);
    printf("resource %d: %d %s\n", r, rc,
           rc ? strerror(errno) : (mine.rlim_cur == its.rlim_cur && mine.rlim_max == its.rlim_max) ? "same as mine" : "differs");
  }
  fflush(stdout);

  getrlimit(RLIMIT_NOFILE, &mine);
  n = (struct rlimit){64, mine.rlim_max};
  report("set child's nofile to 64", plim(a.pid, RLIMIT_NOFILE, &n, &o));
  printf("old value returned: %s\n", o.rlim_cur == mine.rlim_cur && o.rlim_max == mine.rlim_max ? "yes" : "no");
  plim(a.pid, RLIMIT_NOFILE, NULL, &its);
  printf("read back: %llu\n", (unsigned long long)its.rlim_cur);
  getrlimit(RLIMIT_NOFILE, &o);
  printf("mine unchanged: %s\n", o.rlim_cur == mine.rlim_cur ? "yes" : "no");
  tell(&a, 'n');

  getrlimit(RLIMIT_CORE, &mine);
  n = (struct rlimit){4096, mine.rlim_max};
  report("set child's core soft to 4096", plim(a.pid, RLIMIT_CORE, &n, NULL));
  tell(&a, 'c');

  tell(&a, 'q');
  getrlimit(RLIMIT_SIGPENDING, &mine);
  n = (struct rlimit){0, mine.rlim_max};
  report("set child's sigpending to 0", plim(a.pid, RLIMIT_SIGPENDING, &n, NULL));
  tell(&a, 'q');

  report("resource 99", plim(a.pid, 99, NULL, &its));
  n = (struct rlimit){100, 50};
  report("soft above hard", plim(a.pid, RLIMIT_NOFILE, &n, NULL));
  report("soft above hard (core)", plim(a.pid, RLIMIT_CORE, &n, NULL));
  report("bad new pointer", plim(a.pid, RLIMIT_CORE, (struct rlimit*)8, NULL));
  report("bad old pointer", plim(a.pid, RLIMIT_CORE, NULL, (struct rlimit*)8));

  // Permissions: c has uid/gid 1000; b (1000 too) may touch c but not a.
  struct child c = spawn();
  tell(&c, 'u');
  report("root reads c's nofile", plim(c.pid, RLIMIT_NOFILE, NULL, &its));
  pid_t b = fork();
  if (b == 0) {
    setresgid(1000, 1000, 1000);
    setresuid(1000, 1000, 1000);
    report("b reads a's core (uid 0)", plim(a.pid, RLIMIT_CORE, NULL, &its));
    report("b reads c's core (uid 1000)", plim(c.pid, RLIMIT_CORE, NULL, &its));
    n = (struct rlimit){64, 100};
    report("b lowers c's nofile hard", plim(c.pid, RLIMIT_NOFILE, &n, NULL));
    n = (struct rlimit){64, 200};
    report("b raises c's nofile hard", plim(c.pid, RLIMIT_NOFILE, &n, NULL));
    plim(c.pid, RLIMIT_MSGQUEUE, NULL, &its);
    n = (struct rlimit){its.rlim_cur / 2, its.rlim_max / 2};
    report("b lowers c's msgqueue", plim(c.pid, RLIMIT_MSGQUEUE, &n, NULL));
    n = its;
    report("b raises c's msgqueue back", plim(c.pid, RLIMIT_MSGQUEUE, &n, NULL));
    plim(c.pid, RLIMIT_NOFILE, NULL, &its);
    printf("c's nofile now %llu/%llu\n", (unsigned long long)its.rlim_cur, (unsigned long long)its.rlim_max);
    fflush(stdout);
    _exit(0);
  }
  waitpid(b, NULL, 0);

  // A zombie still answers; a reaped pid is gone.
  pid_t z = fork();
  if (z == 0) _exit(0);
  siginfo_t si;
  waitid(P_PID, z, &si, WEXITED | WNOWAIT);
  report("zombie's core", plim(z, RLIMIT_CORE, NULL, &its));
  report("zombie's nofile", plim(z, RLIMIT_NOFILE, NULL, &its));
  waitpid(z, NULL, 0);
  report("reaped pid", plim(z, RLIMIT_CORE, NULL, &its));

  finish(&a);
  finish(&c);
  return 0;
}
