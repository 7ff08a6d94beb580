// Suite `threads`: what guest threads cost — natively (kernel threads) and
// under the LibOS (uthreads on kthreads). Both sides run pinned to one vCPU
// (the runner pins), so the ping-pongs compare same-vCPU costs.
//
//   create_join      pthread_create + pthread_join of an empty thread
//   futex_pingpong   two threads hand a token back and forth with
//                    FUTEX_WAIT/FUTEX_WAKE (one round trip per op)
//   condvar_pingpong the same through a mutex and condition variable
//   condvar_pingpong_2cores  condvar_pingpong with two vCPUs (CPUs 0 and
//                    1) on both sides: natively two kernel threads, under
//                    the LibOS a two-core container (two kthreads), where
//                    every hand-off used to cross kthreads (wake-affine
//                    placement, docs/architecture.md)
//   sched_yield      sched_yield with nobody else runnable
//   nanosleep0       nanosleep({0, 0})
//   signal_self      raise(SIGUSR1) to a handler and back
//
// The futex calls use `mov $202,%eax; syscall` sites, the shape glibc's own
// futex wrappers have (glibc's generic syscall() would take the trap path).
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/process.h"
#include "bench/runner.h"

namespace junction::bench {

namespace {

[[gnu::noinline]] long Futex(std::atomic<uint32_t>* addr, int op, uint32_t val) {
  long ret;
  register long r10 asm("r10") = 0;
  asm volatile("movl $202, %%eax\n\tsyscall"
               : "=a"(ret)
               : "D"(addr), "S"(op), "d"(val), "r"(r10)
               : "rcx", "r11", "memory");
  return ret;
}

template <typename F>
Measurement Timed(uint64_t n, F body) {
  if (n == 0) return {0, "no iterations"};
  int64_t start = NowNs();
  body(n);
  int64_t end = NowNs();
  return {static_cast<double>(end - start) / static_cast<double>(n), ""};
}

void* Nothing(void*) { return nullptr; }

Measurement CreateJoin(const Context& ctx) {
  return Timed(ctx.iterations, [](uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
      pthread_t t;
      if (pthread_create(&t, nullptr, Nothing, nullptr) == 0) pthread_join(t, nullptr);
    }
  });
}

// The token: 0 = the main thread's turn, 1 = the partner's.
struct PingPong {
  std::atomic<uint32_t> turn{0};
  uint64_t rounds = 0;
};

void* FutexPartner(void* arg) {
  auto* p = static_cast<PingPong*>(arg);
  for (uint64_t i = 0; i < p->rounds; i++) {
    while (p->turn.load() != 1) Futex(&p->turn, FUTEX_WAIT_PRIVATE, 0);
    p->turn.store(0);
    Futex(&p->turn, FUTEX_WAKE_PRIVATE, 1);
  }
  return nullptr;
}

Measurement FutexPingPong(const Context& ctx) {
  PingPong p;
  p.rounds = ctx.iterations;
  pthread_t t;
  if (pthread_create(&t, nullptr, FutexPartner, &p) != 0) return {0, "pthread_create failed"};
  Measurement m = Timed(ctx.iterations, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
      p.turn.store(1);
      Futex(&p.turn, FUTEX_WAKE_PRIVATE, 1);
      while (p.turn.load() != 0) Futex(&p.turn, FUTEX_WAIT_PRIVATE, 1);
    }
  });
  pthread_join(t, nullptr);
  return m;
}

struct CondPingPong {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  int turn = 0;
  uint64_t rounds = 0;
};

void* CondPartner(void* arg) {
  auto* p = static_cast<CondPingPong*>(arg);
  pthread_mutex_lock(&p->mu);
  for (uint64_t i = 0; i < p->rounds; i++) {
    while (p->turn != 1) pthread_cond_wait(&p->cv, &p->mu);
    p->turn = 0;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return nullptr;
}

Measurement CondvarPingPong(const Context& ctx) {
  CondPingPong p;
  p.rounds = ctx.iterations;
  pthread_t t;
  if (pthread_create(&t, nullptr, CondPartner, &p) != 0) return {0, "pthread_create failed"};
  Measurement m = Timed(ctx.iterations, [&](uint64_t n) {
    pthread_mutex_lock(&p.mu);
    for (uint64_t i = 0; i < n; i++) {
      p.turn = 1;
      pthread_cond_signal(&p.cv);
      while (p.turn != 0) pthread_cond_wait(&p.cv, &p.mu);
    }
    pthread_mutex_unlock(&p.mu);
  });
  pthread_join(t, nullptr);
  return m;
}

// The condvar_pingpong worker, unpinned onto CPUs 0 and 1 (taskset), in
// a container with max_cores = 2 on the LibOS side.
Measurement CondvarPingPongTwoCores(const Context& ctx) {
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) return {0, "needs two CPUs"};
  TempFile config(".toml", "name = \"bench-two-cores\"\n[cpu]\nmax_cores = 2\n");
  if (!config.error().empty()) return {0, config.error()};
  std::vector<std::string> argv = {"/usr/bin/taskset", "-c", "0,1"};
  if (ctx.side == Side::kJunction)
    for (const std::string& a : {ctx.self_exe, std::string("run"), config.path(), std::string("--")})
      argv.push_back(a);
  argv.push_back(ctx.self_exe);
  for (const char* a : {"bench", "worker", "threads", "condvar_pingpong"}) argv.emplace_back(a);
  argv.push_back(std::to_string(ctx.iterations));
  ProcessResult r = RunProcess(argv, Output::kCapture);
  if (!r.ok()) return {0, r.Describe()};
  double v = 0;
  if (!ParseWorkerOutput(r.out, &v)) return {0, "unparsable worker output: " + r.out};
  return {v, ""};
}

Measurement Yield(const Context& ctx) {
  return Timed(ctx.iterations, [](uint64_t n) {
    for (uint64_t i = 0; i < n; i++) sched_yield();
  });
}

Measurement Nanosleep0(const Context& ctx) {
  return Timed(ctx.iterations, [](uint64_t n) {
    timespec zero{0, 0};
    for (uint64_t i = 0; i < n; i++) nanosleep(&zero, nullptr);
  });
}

volatile sig_atomic_t g_hits;
void OnUsr1(int) { g_hits = g_hits + 1; }

Measurement SignalSelf(const Context& ctx) {
  struct sigaction sa {};
  sa.sa_handler = OnUsr1;
  sigaction(SIGUSR1, &sa, nullptr);
  g_hits = 0;
  Measurement m = Timed(ctx.iterations, [](uint64_t n) {
    for (uint64_t i = 0; i < n; i++) raise(SIGUSR1);
  });
  if (static_cast<uint64_t>(g_hits) != ctx.iterations) return {0, "handler did not run for every raise"};
  return m;
}

constexpr Benchmark kThreads[] = {
    {"threads", "create_join", "ns/op", Where::kWorker, 2000, CreateJoin,
     "pthread_create + pthread_join of an empty thread"},
    {"threads", "futex_pingpong", "ns/rtt", Where::kWorker, 20000, FutexPingPong,
     "two threads, FUTEX_WAIT/WAKE hand-off, one round trip per op"},
    {"threads", "condvar_pingpong", "ns/rtt", Where::kWorker, 20000, CondvarPingPong,
     "two threads, mutex + condition variable hand-off"},
    {"threads", "condvar_pingpong_2cores", "ns/rtt", Where::kHost, 20000, CondvarPingPongTwoCores,
     "condvar_pingpong on CPUs 0-1, a two-core container under the LibOS"},
    {"threads", "sched_yield", "ns/op", Where::kWorker, 200000, Yield, "nobody else runnable"},
    {"threads", "nanosleep0", "ns/op", Where::kWorker, 100000, Nanosleep0, "nanosleep({0,0})"},
    {"threads", "signal_self", "ns/op", Where::kWorker, 50000, SignalSelf,
     "raise(SIGUSR1) to a handler and back"},
};

}  // namespace

std::span<const Benchmark> ThreadsSuite() { return kThreads; }

}  // namespace junction::bench
