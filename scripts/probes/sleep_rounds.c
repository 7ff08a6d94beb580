// Probe for docs/performance.md ("Busy grant tail, fifth session"): the
// `sched wake` guest with one line per round, to match rounds with a
// trace of the CPU (scripts/round-events.py). Sleeps (clock_nanosleep,
// absolute CLOCK_MONOTONIC) to a deadline 2-5 ms away ROUNDS times and
// prints "DEADLINE_NS LATE_NS" per round (LATE_NS negative if the sleep
// ended early), then the count over 10 us on stderr.
//   gcc -O2 -o /tmp/sleep_rounds scripts/probes/sleep_rounds.c
//   taskset -c 1 junction run lc.toml -- /tmp/sleep_rounds 2000 >rounds
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static int64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  prctl(PR_SET_TIMERSLACK, 1);
  int64_t *deadline = malloc(sizeof(int64_t) * n), *late = malloc(sizeof(int64_t) * n);
  unsigned seed = 12345;
  for (int i = 0; i < n; i++) {
    seed = seed * 1103515245 + 12345;
    int64_t d = now() + 2000000 + (seed >> 8) % 3000000;
    struct timespec ts = {d / 1000000000, d % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
    late[i] = now() - d;
    deadline[i] = d;
  }
  int over = 0;
  for (int i = 0; i < n; i++) {
    printf("%lld %lld\n", (long long)deadline[i], (long long)late[i]);
    over += late[i] > 10000;
  }
  fprintf(stderr, "over10us=%d n=%d\n", over, n);
  return 0;
}
