// Context switch counts in /proc: a thread that sleeps 3 times has at least
// 3 voluntary switches (in /proc/self/status for the main thread, in
// /proc/self/task/TID/status and /proc/thread-self/status for another, and
// in getrusage(RUSAGE_THREAD)); two threads spinning on one CPU, each until
// it has seen the other make progress 3 times, have each been preempted at
// least 3 times (involuntary switches). /proc/self/task lists both threads.
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) exit(1);
}

// The value of `key` in a status file, -1 if missing.
static long field(const char* path, const char* key) {
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t n = strlen(key);
  while (fgets(line, sizeof(line), f))
    if (strncmp(line, key, n) == 0 && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
  fclose(f);
  return v;
}

static void nap(void) {
  struct timespec ts = {0, 1000000};
  nanosleep(&ts, NULL);
}

static long voluntary_of(const char* path) { return field(path, "voluntary_ctxt_switches"); }
static long involuntary_of(const char* path) { return field(path, "nonvoluntary_ctxt_switches"); }

static atomic_int sleeper_done, main_listed;
static pid_t sleeper_tid;

static void* sleeper(void* arg) {
  (void)arg;
  sleeper_tid = (pid_t)syscall(SYS_gettid);
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)sleeper_tid);
  long before = voluntary_of(path);
  for (int i = 0; i < 3; i++) nap();
  long after = voluntary_of(path);
  check(before >= 0 && after - before >= 3, "thread: 3 sleeps, >= 3 more voluntary switches in task/TID/status");
  check(voluntary_of("/proc/thread-self/status") >= 3, "thread: /proc/thread-self/status is its own");
  check(field(path, "Pid") == sleeper_tid && field(path, "Tgid") == getpid(), "thread: Pid is the tid, Tgid the process");
  struct rusage ru;
  check(getrusage(RUSAGE_THREAD, &ru) == 0 && ru.ru_nvcsw >= 3, "thread: getrusage(RUSAGE_THREAD) ru_nvcsw >= 3");
  atomic_store(&sleeper_done, 1);
  while (!atomic_load(&main_listed)) nap();
  return NULL;
}

static atomic_long progress[2];
static atomic_int spinner_done[2], spinners_pinned;
static cpu_set_t one_cpu;

static void* spinner(void* arg) {
  int me = (int)(long)arg, other = 1 - me;
  // Each pins itself (in effect before sched_setaffinity returns), then
  // waits for the other to have done so.
  if (sched_setaffinity(0, sizeof(one_cpu), &one_cpu) != 0) return NULL;
  atomic_fetch_add(&spinners_pinned, 1);
  while (atomic_load(&spinners_pinned) < 2) {
  }
  long last = atomic_load(&progress[other]), seen_changes = 0, involuntary = -1;
  // Keeps making progress until the other has seen enough of it too.
  while (seen_changes < 3 || !atomic_load(&spinner_done[other])) {
    atomic_fetch_add(&progress[me], 1);
    long now = atomic_load(&progress[other]);
    if (now != last && seen_changes < 3 && ++seen_changes == 3) {
      // Both on one CPU: each change seen means the other ran in between,
      // so this thread was switched out without blocking.
      involuntary = involuntary_of("/proc/thread-self/status");
      atomic_store(&spinner_done[me], 1);
    }
    last = now;
  }
  long* out = malloc(sizeof(long));
  *out = involuntary;
  return out;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  long before = voluntary_of("/proc/self/status");
  for (int i = 0; i < 3; i++) nap();
  long after = voluntary_of("/proc/self/status");
  check(before >= 0 && after - before >= 3, "main: 3 sleeps, >= 3 more voluntary switches in /proc/self/status");
  check(involuntary_of("/proc/self/status") >= 0, "main: nonvoluntary_ctxt_switches present");

  pthread_t t;
  pthread_create(&t, NULL, sleeper, NULL);
  while (!atomic_load(&sleeper_done)) nap();
  DIR* d = opendir("/proc/self/task");
  int found_main = 0, found_thread = 0;
  for (struct dirent* e; d && (e = readdir(d));) {
    if (atoi(e->d_name) == getpid()) found_main = 1;
    if (atoi(e->d_name) == sleeper_tid) found_thread = 1;
  }
  if (d) closedir(d);
  check(found_main && found_thread, "/proc/self/task lists both threads");
  atomic_store(&main_listed, 1);
  pthread_join(t, NULL);

  // Two spinners pinned to the first CPU this process may use.
  cpu_set_t all;
  sched_getaffinity(0, sizeof(all), &all);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &all)) cpu++;
  CPU_ZERO(&one_cpu);
  CPU_SET(cpu, &one_cpu);
  pthread_t s[2];
  for (long i = 0; i < 2; i++) pthread_create(&s[i], NULL, spinner, (void*)i);
  for (int i = 0; i < 2; i++) {
    void* r;
    pthread_join(s[i], &r);
    check(r != NULL, "spinner pinned itself");
    if (*(long*)r < 3) fprintf(stderr, "spinner %d: %ld involuntary switches\n", i, *(long*)r);
    check(*(long*)r >= 3, "spinner on a shared CPU: >= 3 involuntary switches");
    free(r);
  }
  return 0;
}
