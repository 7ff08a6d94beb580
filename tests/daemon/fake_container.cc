// A stand-in for `junction run` in the daemon integration tests: registers
// with the daemon through the real LibOS-side client (src/sched/
// daemon_client.h) and plays a container's kthreads against the shared
// region — park on the grant futex, yield when asked, publish queueing
// delay — without running a guest.
//
// usage: fake_container SOCKET NAME CLASS GUARANTEED MAX MODE [ROUNDS]
//   MODE idle:       holds no work; reports daemon death and re-registration
//   MODE busy:       CPU-bound: always has one runnable thread
//   MODE latency:    idle, then ROUNDS times: work becomes runnable, time until
//                    a kthread runs it on a granted core; prints p50/p99 in us
//   MODE standalone: registers in the standalone state directory and sleeps
//   MODE lender:     one unit of work; once it has run on a granted core the
//                    kthread goes idle keeping its grant (status idle) and
//                    prints "idle"; when the daemon takes the grant back it
//                    prints "taken-back" and parks
// Prints "registered ID", "daemon-gone", "reregistered ID" as they happen.
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "config/app_config.h"
#include "sched/daemon_client.h"
#include "sched/standalone_registry.h"
#include "sched/status_format.h"

using namespace junction;
using namespace junction::sched;

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_work_pending{false};    // latency mode: one unit waiting
std::atomic<uint64_t> g_work_since{0};
std::vector<uint64_t> g_latencies_ns;
std::atomic<int> g_done_rounds{0};

void FutexWait(std::atomic<uint32_t>* w, uint32_t expected) {
  timespec ts{0, 100'000'000};  // re-check the stop flag now and then
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void SpinFor(uint64_t ns) {
  uint64_t end = MonotonicNowNs() + ns;
  while (MonotonicNowNs() < end) {
  }
}

// Kthread 0 in lender mode: the LibOS's idle kthread (docs/daemon.md,
// "Idle cores stay lent").
void LenderKthread(DaemonSession* s) {
  KthreadSlot* k = s->slot(0);
  k->tid.store(static_cast<uint32_t>(gettid()), std::memory_order_relaxed);
  k->oldest_runnable_since_ns.store(MonotonicNowNs(), std::memory_order_relaxed);
  k->runnable.store(1, std::memory_order_relaxed);
  s->RingDoorbell();
  uint32_t core;
  while (!g_stop.load() && (core = k->grant_core.load(std::memory_order_acquire)) == kNoCore)
    FutexWait(&k->grant_core, kNoCore);
  if (g_stop.load()) return;
  uint32_t seq = k->grant_seq.load(std::memory_order_relaxed);
  k->status.store(PackStatus(KthreadState::kRunning, seq), std::memory_order_release);
  k->oldest_runnable_since_ns.store(0, std::memory_order_relaxed);
  k->runnable.store(0, std::memory_order_relaxed);
  SpinFor(50'000);  // the work
  k->status.store(PackStatus(KthreadState::kIdle, seq), std::memory_order_release);
  s->RingDoorbell();
  std::printf("idle\n");
  std::fflush(stdout);
  while (!g_stop.load() && k->grant_core.load(std::memory_order_acquire) == core) FutexWait(&k->grant_core, core);
  if (g_stop.load()) return;
  k->status.store(PackStatus(KthreadState::kParked, seq), std::memory_order_release);
  std::printf("taken-back\n");
  std::fflush(stdout);
  while (!g_stop.load()) FutexWait(&k->grant_core, k->grant_core.load());
}

// Kthread 0 of the fake container.
void Kthread(DaemonSession* s, bool busy) {
  KthreadSlot* k = s->slot(0);
  k->tid.store(static_cast<uint32_t>(gettid()), std::memory_order_relaxed);
  uint32_t seq = 0;
  uint32_t pinned = kNoCore;
  if (busy) {
    k->oldest_runnable_since_ns.store(MonotonicNowNs(), std::memory_order_relaxed);
    k->runnable.store(1, std::memory_order_relaxed);
    s->RingDoorbell();
  }
  while (!g_stop.load()) {
    uint32_t core = k->grant_core.load(std::memory_order_acquire);
    if (core == kNoCore) {
      k->status.store(PackStatus(KthreadState::kParked, seq), std::memory_order_release);
      FutexWait(&k->grant_core, kNoCore);
      continue;
    }
    seq = k->grant_seq.load(std::memory_order_relaxed);
    if (core != pinned && core <= kMaxCoreId) {  // run on the granted core, as the LibOS does
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(core, &set);
      if (sched_setaffinity(0, sizeof set, &set) == 0) pinned = core;
    }
    k->status.store(PackStatus(KthreadState::kRunning, seq), std::memory_order_release);
    if (busy) {
      k->oldest_runnable_since_ns.store(0, std::memory_order_relaxed);
      k->runnable.store(0, std::memory_order_relaxed);
      while (!g_stop.load() && k->yield_requested.load(std::memory_order_relaxed) == 0 &&
             k->grant_core.load(std::memory_order_relaxed) == core) {
        SpinFor(5'000);
        k->heartbeat.fetch_add(1, std::memory_order_relaxed);
      }
      // Preempted: our thread is runnable again, waiting from now.
      k->oldest_runnable_since_ns.store(MonotonicNowNs(), std::memory_order_relaxed);
      k->runnable.store(1, std::memory_order_relaxed);
      k->status.store(PackStatus(KthreadState::kParked, seq), std::memory_order_release);
      s->RingDoorbell();
      FutexWait(&k->grant_core, k->grant_core.load());
      continue;
    }
    // Latency mode: run pending work, then spin briefly and park.
    if (g_work_pending.exchange(false)) {
      uint64_t now = MonotonicNowNs();
      g_latencies_ns.push_back(now - g_work_since.load());
      k->oldest_runnable_since_ns.store(0, std::memory_order_relaxed);
      k->runnable.store(0, std::memory_order_relaxed);
      SpinFor(50'000);  // the work
      g_done_rounds.fetch_add(1);
    }
    k->status.store(PackStatus(KthreadState::kParked, seq), std::memory_order_release);
    s->RingDoorbell();
    FutexWait(&k->grant_core, core);
  }
}

int Usage() {
  std::fprintf(stderr, "usage: fake_container SOCKET NAME CLASS GUARANTEED MAX MODE [ROUNDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) return Usage();
  signal(SIGTERM, [](int) { g_stop = true; });
  config::AppConfig cfg = config::DefaultAppConfig();
  cfg.daemon_socket = argv[1];
  cfg.name = argv[2];
  cfg.cpu.cls = std::strcmp(argv[3], "lc") == 0 ? config::CpuClass::kLatencyCritical
                                                 : config::CpuClass::kBestEffort;
  cfg.cpu.guaranteed_cores = std::atoi(argv[4]);
  cfg.cpu.max_cores = std::atoi(argv[5]);
  std::string mode = argv[6];
  int rounds = argc > 7 ? std::atoi(argv[7]) : 100;
  std::vector<std::string> command(argv, argv + argc);

  if (mode == "standalone") {
    std::string why;
    std::string file = RegisterStandalone(cfg, command, &why);
    std::printf("standalone %s\n", file.empty() ? why.c_str() : file.c_str());
    std::fflush(stdout);
    while (!g_stop) usleep(10'000);
    UnregisterStandalone();
    return 0;
  }

  std::string why;
  std::optional<DaemonSession> s = ConnectDaemon(cfg, command, &why);
  if (!s) {
    std::printf("no-daemon %s\n", why.c_str());
    return 1;
  }
  std::printf("registered %llu\n", static_cast<unsigned long long>(s->container_id()));
  std::fflush(stdout);
  std::thread kthread = mode == "lender" ? std::thread(LenderKthread, &*s)
                                          : std::thread(Kthread, &*s, mode == "busy");

  bool alive = true;
  uint64_t next_work = MonotonicNowNs() + 20'000'000;
  unsigned seed = 12345;
  while (!g_stop) {
    bool now_alive = s->Poll(50);
    if (alive && !now_alive) std::printf("daemon-gone\n");
    if (!alive && now_alive)
      std::printf("reregistered %llu\n", static_cast<unsigned long long>(s->container_id()));
    std::fflush(stdout);
    alive = now_alive;
    if (mode == "latency" && alive && !g_work_pending.load() && MonotonicNowNs() >= next_work) {
      if (g_done_rounds.load() >= rounds) break;
      KthreadSlot* k = s->slot(0);
      uint64_t now = MonotonicNowNs();
      g_work_since = now;
      g_work_pending = true;
      k->runnable.store(1, std::memory_order_relaxed);
      k->oldest_runnable_since_ns.store(now, std::memory_order_relaxed);
      s->RingDoorbell();
      seed = seed * 1103515245 + 12345;
      next_work = now + 2'000'000 + (seed >> 8) % 3'000'000;  // 2-5 ms apart
    }
    usleep(1000);
  }
  g_stop = true;
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&s->slot(0)->grant_core), FUTEX_WAKE, 1, nullptr,
          nullptr, 0);
  kthread.join();
  if (mode == "latency") {
    std::vector<uint64_t> v = g_latencies_ns;
    std::sort(v.begin(), v.end());
    if (v.empty()) return 1;
    std::printf("grant_latency_us p50=%.1f p99=%.1f n=%zu\n", v[v.size() / 2] / 1e3,
                v[std::min(v.size() - 1, v.size() * 99 / 100)] / 1e3, v.size());
  }
  return 0;
}
