// A forked child's threads run in parallel on the container's cores (it
// gets kthreads of its own), also after the child execs, and in a program
// a shell started. Two threads spin; each keeps publishing the core it is
// on (getcpu) and a count. Parallel means: the other thread's count moved
// while this one stayed on one core, the other on another one, the whole
// time. On one kthread every thread sees the same core, so it never holds
// and the check gives up after a bound far above any wait for a core.
//
// usage: proc_child_parallel              fork; the child checks, forks, and
//                                         its child checks; then fork
//                                         + exec of `--threads`; then
//                                         `sh -c '... --threads'`
//        proc_child_parallel --threads   check in this process
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct slot {
  _Atomic unsigned cpu;
  _Atomic unsigned long count;
  char pad[64 - sizeof(unsigned) - sizeof(unsigned long)];
};
static struct slot slots[2] __attribute__((aligned(64)));
static atomic_int stop;

static unsigned cpu_now(void) {
  unsigned cpu = 0;
  syscall(SYS_getcpu, &cpu, NULL, NULL);
  return cpu;
}

static void publish(int i) {
  atomic_store_explicit(&slots[i].cpu, cpu_now(), memory_order_relaxed);
  atomic_fetch_add_explicit(&slots[i].count, 1, memory_order_release);
}

static void* spinner(void* arg) {
  (void)arg;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) publish(1);
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

// 0 once the two threads were seen running on two cores at once.
static int check_parallel(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, spinner, NULL) != 0) return 2;
  int seen = 0;
  double give_up = now_s() + 60;
  while (!seen && now_s() < give_up) {
    publish(0);
    unsigned mine = atomic_load(&slots[0].cpu);
    unsigned other = atomic_load(&slots[1].cpu);
    unsigned long before = atomic_load_explicit(&slots[1].count, memory_order_acquire);
    for (int i = 0; i < 1000; i++) publish(0);
    unsigned long after = atomic_load_explicit(&slots[1].count, memory_order_acquire);
    seen = after > before + 10 && mine != other && atomic_load(&slots[0].cpu) == mine &&
           atomic_load(&slots[1].cpu) == other;
  }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  return seen ? 0 : 1;
}

static const char* verdict(int st) {
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return "ok";
  fprintf(stderr, "status %#x\n", st);
  return "FAIL";
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--threads") == 0) return check_parallel();
  int fails = 0, st;
  pid_t c = fork();
  if (c == 0) {
    // Then its own child, forked by a process that has started kthreads.
    if (check_parallel() != 0) _exit(1);
    atomic_store(&stop, 0);
    pid_t g = fork();
    if (g == 0) _exit(check_parallel());
    waitpid(g, &st, 0);
    _exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 4);
  }
  waitpid(c, &st, 0);
  printf("forked child's and grandchild's threads in parallel: %s\n", verdict(st));
  fails += strcmp(verdict(st), "ok") != 0;

  c = fork();
  if (c == 0) {
    execl(argv[0], argv[0], "--threads", (char*)NULL);
    _exit(3);
  }
  waitpid(c, &st, 0);
  printf("exec'd child's threads in parallel: %s\n", verdict(st));
  fails += strcmp(verdict(st), "ok") != 0;

  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' --threads", argv[0]);
  c = fork();
  if (c == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char*)NULL);
    _exit(3);
  }
  waitpid(c, &st, 0);
  printf("threads of a program a shell started, in parallel: %s\n", verdict(st));
  fails += strcmp(verdict(st), "ok") != 0;
  return fails != 0;
}
