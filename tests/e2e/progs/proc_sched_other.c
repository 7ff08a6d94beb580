// Scheduling attributes of another process's tasks, compared with Linux
// (run as root, on two CPUs; junction with a two-core container):
// getpriority/setpriority by PRIO_PROCESS (a pid or a tid names one task),
// PRIO_PGRP and PRIO_USER; sched_setscheduler/sched_getscheduler,
// sched_setparam/sched_getparam, sched_rr_get_interval and
// sched_setaffinity/sched_getaffinity on a child's main thread and on its
// other thread; inheritance by the child's new threads and children
// (SCHED_RESET_ON_FORK); the checks: ESRCH, EINVAL, EFAULT, EPERM, EACCES.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static int cmd[2], rsp[2];  // parent -> child commands, child -> parent answers

static long raw_getprio(int which, int who) { return syscall(SYS_getpriority, which, who); }
static long set_sched(int id, int policy, int prio) {
  struct sched_param p = {.sched_priority = prio};
  return syscall(SYS_sched_setscheduler, id, policy, &p);
}
static long get_param(int id) {
  struct sched_param p = {.sched_priority = -1};
  long r = syscall(SYS_sched_getparam, id, &p);
  return r < 0 ? r : p.sched_priority;
}
static unsigned long get_mask(int id) {
  unsigned long m[4] = {0};
  long r = syscall(SYS_sched_getaffinity, id, sizeof(m), m);
  return r < 0 ? 0xdead : m[0];
}
static long set_mask(int id, unsigned long bits) {
  return syscall(SYS_sched_setaffinity, id, sizeof(bits), &bits);
}

// Fields 18, 19, 40 and 41 of the calling thread's /proc stat line:
// priority, nice, rt_priority, policy.
static void stat_fields(char* out, size_t len) {
  char path[64], text[1024];
  snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", syscall(SYS_gettid));
  FILE* f = fopen(path, "r");
  size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
  if (f) fclose(f);
  text[n] = 0;
  char* p = strrchr(text, ')');  // past the command, which may hold spaces
  int field = 2;
  long v[42] = {0};
  for (p = p ? p + 1 : text; *p && field < 41;) {
    while (*p == ' ') p++;
    field++;
    v[field] = strtol(p, &p, 10);
    while (*p && *p != ' ') p++;
  }
  snprintf(out, len, "stat prio %ld nice %ld rt %ld policy %ld", v[18], v[19], v[40], v[41]);
}

// The attributes of the calling task, as one line.
static void report_self(const char* who) {
  char line[240], stat[96];
  stat_fields(stat, sizeof(stat));
  int n = snprintf(line, sizeof(line), "%s: nice %ld policy %#lx param %ld mask %#lx, %s\n", who,
                   20 - raw_getprio(PRIO_PROCESS, 0), syscall(SYS_sched_getscheduler, 0),
                   get_param(0), get_mask(0), stat);
  if (write(rsp[1], line, n) != n) _exit(9);
}

static void* report_thread(void* arg) {
  report_self((const char*)arg);
  return NULL;
}

static pthread_barrier_t done;
// The child's other thread: tells the parent its id, then waits for the end.
static void* waiter_thread(void* arg) {
  (void)arg;
  pid_t tid = (pid_t)syscall(SYS_gettid);
  if (write(rsp[1], &tid, sizeof(tid)) != sizeof(tid)) _exit(9);
  pthread_barrier_wait(&done);
  return NULL;
}

static void child(void) {
  pthread_t th;
  pthread_barrier_init(&done, NULL, 2);
  pthread_create(&th, NULL, waiter_thread, NULL);
  for (;;) {
    char c;
    if (read(cmd[0], &c, 1) != 1) _exit(0);
    if (c == 'r') {
      report_self("child main");
    } else if (c == 't') {
      pthread_t t;
      pthread_create(&t, NULL, report_thread, "child's new thread");
      pthread_join(t, NULL);
    } else if (c == 'f') {
      pid_t g = fork();
      if (g == 0) {
        report_self("child's child");
        _exit(0);
      }
      waitpid(g, NULL, 0);
    } else if (c == 'c') {
      // Runs on cpu 0 once its mask (set by the parent) says so.
      while (sched_getcpu() != 0) sched_yield();
      if (write(rsp[1], "on cpu 0\n", 9) != 9) _exit(9);
    } else if (c == 'q') {
      pthread_barrier_wait(&done);
      pthread_join(th, NULL);
      _exit(0);
    }
  }
}

static void ask(pid_t c, char what) {
  (void)c;
  if (write(cmd[1], &what, 1) != 1) exit(9);
  char line[200];
  int n = 0;
  while (n < (int)sizeof(line) - 1 && read(rsp[0], line + n, 1) == 1 && line[n] != '\n') n++;
  line[n] = 0;
  printf("  %s\n", line);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (pipe(cmd) || pipe(rsp)) return 1;
  pid_t c = fork();
  if (c == 0) {
    close(cmd[1]);
    close(rsp[0]);
    child();
  }
  close(cmd[0]);
  close(rsp[1]);
  pid_t t;
  if (read(rsp[0], &t, sizeof(t)) != sizeof(t)) return 1;
  ask(c, 'r');

  printf("-- priorities\n");
  SHOW("getpriority child", raw_getprio(PRIO_PROCESS, c));
  SHOW("setpriority child 5", setpriority(PRIO_PROCESS, c, 5));
  SHOW("getpriority child", raw_getprio(PRIO_PROCESS, c));
  SHOW("getpriority its thread (per task)", raw_getprio(PRIO_PROCESS, t));
  SHOW("setpriority its thread 8", setpriority(PRIO_PROCESS, t, 8));
  SHOW("getpriority its thread", raw_getprio(PRIO_PROCESS, t));
  SHOW("getpriority child", raw_getprio(PRIO_PROCESS, c));
  SHOW("setpriority child 40 (clamped to 19)", setpriority(PRIO_PROCESS, c, 40));
  SHOW("getpriority child", raw_getprio(PRIO_PROCESS, c));
  SHOW("setpriority child -30 (clamped to -20)", setpriority(PRIO_PROCESS, c, -30));
  SHOW("getpriority child", raw_getprio(PRIO_PROCESS, c));
  SHOW("setpriority child 2", setpriority(PRIO_PROCESS, c, 2));
  SHOW("setpgid child", setpgid(c, c));
  SHOW("getpriority group (best of its tasks)", raw_getprio(PRIO_PGRP, c));
  SHOW("setpriority group 6", setpriority(PRIO_PGRP, c, 6));
  SHOW("getpriority child", raw_getprio(PRIO_PROCESS, c));
  SHOW("getpriority its thread", raw_getprio(PRIO_PROCESS, t));
  SHOW("getpriority group", raw_getprio(PRIO_PGRP, c));
  SHOW("getpriority own group", raw_getprio(PRIO_PGRP, 0));
  SHOW("getpriority no such process", raw_getprio(PRIO_PROCESS, 999999));
  SHOW("getpriority no such group", raw_getprio(PRIO_PGRP, 999999));
  SHOW("getpriority no such user", raw_getprio(PRIO_USER, 4343));
  SHOW("setpriority no such process", setpriority(PRIO_PROCESS, 999999, 1));
  SHOW("setpriority no such group", setpriority(PRIO_PGRP, 999999, 1));
  SHOW("getpriority which 3", raw_getprio(3, 0));
  SHOW("setpriority which -1", setpriority(-1, 0, 1));
  ask(c, 'r');
  ask(c, 't');  // a new thread inherits its creator's nice

  printf("-- policies\n");
  SHOW("getscheduler child", syscall(SYS_sched_getscheduler, c));
  SHOW("setscheduler its thread BATCH", set_sched(t, SCHED_BATCH, 0));
  SHOW("getscheduler its thread", syscall(SYS_sched_getscheduler, t));
  SHOW("getscheduler child", syscall(SYS_sched_getscheduler, c));
  SHOW("setscheduler child FIFO 10", set_sched(c, SCHED_FIFO, 10));
  SHOW("getscheduler child", syscall(SYS_sched_getscheduler, c));
  SHOW("getparam child", get_param(c));
  SHOW("getpriority child (nice kept)", raw_getprio(PRIO_PROCESS, c));
  struct sched_param p30 = {.sched_priority = 30};
  SHOW("setparam child 30", syscall(SYS_sched_setparam, c, &p30));
  SHOW("getparam child", get_param(c));
  struct timespec ts = {9, 9};
  SHOW("rr_get_interval child (FIFO)", syscall(SYS_sched_rr_get_interval, c, &ts));
  printf("  %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  SHOW("setscheduler child RR 5", set_sched(c, SCHED_RR, 5));
  SHOW("rr_get_interval child (RR)", syscall(SYS_sched_rr_get_interval, c, &ts));
  printf("  %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  SHOW("setscheduler child FIFO 0", set_sched(c, SCHED_FIFO, 0));
  SHOW("setscheduler child OTHER 1", set_sched(c, SCHED_OTHER, 1));
  SHOW("setscheduler child FIFO 100", set_sched(c, SCHED_FIFO, 100));
  SHOW("setscheduler child policy 4", set_sched(c, 4, 0));
  SHOW("setscheduler child policy 7", set_sched(c, 7, 0));
  SHOW("setscheduler child DEADLINE", set_sched(c, 6, 0));
  SHOW("setscheduler child policy -1", set_sched(c, -1, 0));
  SHOW("setscheduler no param", syscall(SYS_sched_setscheduler, c, SCHED_OTHER, NULL));
  SHOW("setscheduler bad param", syscall(SYS_sched_setscheduler, c, SCHED_OTHER, 8L));
  SHOW("setscheduler no such process", set_sched(999999, SCHED_OTHER, 0));
  SHOW("setscheduler pid -1", set_sched(-1, SCHED_OTHER, 0));
  SHOW("setparam child 0 (RR needs 1..99)", syscall(SYS_sched_setparam, c, &(struct sched_param){0}));
  SHOW("getscheduler no such process", syscall(SYS_sched_getscheduler, 999999));
  SHOW("getscheduler pid -1", syscall(SYS_sched_getscheduler, -1));
  SHOW("getparam no such process", get_param(999999));
  SHOW("getparam no param", syscall(SYS_sched_getparam, c, NULL));
  SHOW("getparam bad param", syscall(SYS_sched_getparam, c, 8L));
  SHOW("rr_get_interval no such process", syscall(SYS_sched_rr_get_interval, 999999, &ts));
  SHOW("rr_get_interval bad pointer", syscall(SYS_sched_rr_get_interval, c, 8L));
  SHOW("get_priority_max FIFO", sched_get_priority_max(SCHED_FIFO));
  SHOW("get_priority_min RR", sched_get_priority_min(SCHED_RR));
  SHOW("get_priority_max BATCH", sched_get_priority_max(SCHED_BATCH));
  SHOW("get_priority_min 9", sched_get_priority_min(9));
  SHOW("setscheduler child RR 7 reset-on-fork", set_sched(c, SCHED_RR | SCHED_RESET_ON_FORK, 7));
  SHOW("getscheduler child", syscall(SYS_sched_getscheduler, c));
  SHOW("setpriority child -3", setpriority(PRIO_PROCESS, c, -3));
  ask(c, 'r');
  ask(c, 't');  // reset: SCHED_OTHER, nice 0
  ask(c, 'f');
  SHOW("setscheduler child IDLE", set_sched(c, SCHED_IDLE, 0));
  SHOW("getpriority child (IDLE keeps the nice)", raw_getprio(PRIO_PROCESS, c));
  SHOW("setscheduler child OTHER", set_sched(c, SCHED_OTHER, 0));
  ask(c, 'r');

  printf("-- affinity\n");
  SHOW("getaffinity child", get_mask(c));
  SHOW("setaffinity its thread cpu 1", set_mask(t, 0x2));
  SHOW("getaffinity its thread", get_mask(t));
  SHOW("getaffinity child", get_mask(c));
  SHOW("setaffinity child cpu 0", set_mask(c, 0x1));
  SHOW("getaffinity child", get_mask(c));
  ask(c, 'c');  // the child moves to cpu 0
  ask(c, 't');  // inherited by a new thread
  SHOW("setaffinity child no cpu of ours", set_mask(c, 0x4));
  SHOW("setaffinity no such process", set_mask(999999, 0x1));
  SHOW("setaffinity bad pointer", syscall(SYS_sched_setaffinity, c, 8, 8L));
  SHOW("getaffinity no such process, len 1 (len first)", syscall(SYS_sched_getaffinity, 999999, 1, &ts));
  SHOW("setaffinity child cpus 0,1", set_mask(c, 0x3));

  printf("-- another user\n");
  // A process of user 4242: the child with its threads can be named by
  // PRIO_USER; a process of user 5353 may not change it.
  pid_t u = fork();
  if (u == 0) {
    if (setresuid(4242, 4242, 4242)) _exit(3);
    SHOW("  user 4242: getpriority PRIO_USER 4242 (itself)", raw_getprio(PRIO_USER, 4242));
    _exit(0);
  }
  waitpid(u, NULL, 0);
  int sync[2];
  if (pipe(sync)) return 1;
  pid_t v = fork();
  if (v == 0) {
    // user 4242, one thread besides the main one, nice 4
    close(sync[0]);
    if (setresuid(4242, 4242, 4242)) _exit(3);
    setpriority(PRIO_PROCESS, 0, 4);
    pthread_t th;
    static pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    pthread_create(&th, NULL, (void* (*)(void*))pthread_barrier_wait, &b);
    if (write(sync[1], "x", 1) != 1) _exit(9);
    pause();
    _exit(0);
  }
  close(sync[1]);
  char x;
  if (read(sync[0], &x, 1) != 1) return 1;
  SHOW("getpriority PRIO_USER 4242", raw_getprio(PRIO_USER, 4242));
  SHOW("setpriority PRIO_USER 4242 11", setpriority(PRIO_USER, 4242, 11));
  SHOW("getpriority user 4242's process", raw_getprio(PRIO_PROCESS, v));
  SHOW("getpriority PRIO_USER 4242", raw_getprio(PRIO_USER, 4242));
  pid_t w = fork();
  if (w == 0) {
    if (setresuid(5353, 5353, 5353)) _exit(3);
    SHOW("  user 5353: setpriority user 4242's process", setpriority(PRIO_PROCESS, v, 12));
    SHOW("  user 5353: setpriority PRIO_USER 4242", setpriority(PRIO_USER, 4242, 12));
    SHOW("  user 5353: getpriority user 4242's process", raw_getprio(PRIO_PROCESS, v));
    SHOW("  user 5353: setscheduler user 4242's process", set_sched(v, SCHED_BATCH, 0));
    SHOW("  user 5353: setaffinity user 4242's process", set_mask(v, 0x1));
    SHOW("  user 5353: getaffinity user 4242's process", get_mask(v));
    SHOW("  user 5353: lower its own nice (RLIMIT_NICE 0)", (setrlimit(RLIMIT_NICE, &(struct rlimit){0, 0}), setpriority(PRIO_PROCESS, 0, -1)));
    SHOW("  user 5353: raise its own nice", setpriority(PRIO_PROCESS, 0, 3));
    SHOW("  user 5353: back down to 1", setpriority(PRIO_PROCESS, 0, 1));
    SHOW("  user 5353: FIFO (RLIMIT_RTPRIO 0)", (setrlimit(RLIMIT_RTPRIO, &(struct rlimit){0, 0}), set_sched(0, SCHED_FIFO, 1)));
    SHOW("  user 5353: BATCH", set_sched(0, SCHED_BATCH, 0));
    _exit(0);
  }
  waitpid(w, NULL, 0);
  kill(v, SIGKILL);
  waitpid(v, NULL, 0);

  printf("-- after the child is gone\n");
  ask(c, 'q');
  siginfo_t si;
  waitid(P_PID, c, &si, WEXITED | WNOWAIT);  // a zombie: its main thread is still there
  SHOW("getpriority zombie", raw_getprio(PRIO_PROCESS, c));
  SHOW("getscheduler zombie", syscall(SYS_sched_getscheduler, c));
  SHOW("getpriority zombie's thread", raw_getprio(PRIO_PROCESS, t));
  waitpid(c, NULL, 0);
  SHOW("getpriority reaped", raw_getprio(PRIO_PROCESS, c));
  SHOW("getaffinity reaped", syscall(SYS_sched_getaffinity, c, 8, &ts));
  SHOW("setpriority reaped", setpriority(PRIO_PROCESS, c, 1));
  return 0;
}
