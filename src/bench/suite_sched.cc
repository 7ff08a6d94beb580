// Suite `sched`: the core scheduler daemon (docs/daemon.md).
//
// Each latency row starts its own `junction daemon` (polling adaptive or
// busy) on a private socket, managing one core: the CPU this bench is
// pinned to (the daemon itself runs on the others). A latency-critical
// container (guaranteed 1 core) runs a guest that sleeps 2-5 ms and wakes,
// `iterations` times; its uthread becomes runnable at the timer's deadline
// and the guest reads the clock when it runs again, so the figure is
// runnable -> running, including the grant. p50 and p99 over the rounds of
// all repeats together (nearest rank; 5 x 300 rounds by default: the p99
// is the 16th-worst of 1500, docs/performance.md "Busy grant tail, sixth
// session"), natively and under junction alike.
//
//   grant_*   the managed core is idle: granted at the first round; between
//             rounds the container's idle kthread keeps its grant (the
//             core is lent to it, docs/daemon.md), so it runs on it again
//             without the daemon
//   take_*    a best-effort container runs a CPU-bound guest there: the
//             daemon takes the core from it (yield request + signal) and
//             grants it, every round (the acceptance scenario of issue 6),
//             with the daemon polling adaptive or busy
//   event_*   the managed core idle, the guest blocked reading a host pipe
//             the bench writes a timestamp into every 2-5 ms: work the
//             daemon cannot see coming (no timer), through the LibOS's
//             watcher thread, the doorbell and a grant
//   daemon_idle_cpu
//             CPU use of an adaptive daemon with one idle container
//             registered over `iterations` s, in percent of one core, from
//             /proc/PID/schedstat (ns; /proc/PID/stat's 10 ms ticks only if
//             it is missing); natively: no daemon, 0
//
// Natively the same guests run as plain processes on the same CPU (Linux's
// own timer wake-up, and wake-up preemption of the CPU hog).
// The guests are this binary's hidden workers `sched wake`, `sched spin` and
// `sched wake_fd`; `sched wake_spin` is a guest of tests/daemon.
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "bench/process.h"
#include "bench/stats.h"

extern char** environ;

namespace junction::bench {

namespace {

// ---- guests ----

// `iterations` rounds: sleep until a deadline 2-5 ms away, then see how
// late we run. Prints "wake_us p50=.. p99=.. n=.." and returns the p99.
Measurement WakeGuest(const Context& ctx) {
  prctl(PR_SET_TIMERSLACK, 1);  // natively: no 50 µs timer slack
  std::vector<double> us;
  unsigned seed = 12345;
  size_t early = 0;
  for (uint64_t i = 0; i < ctx.iterations; i++) {
    seed = seed * 1103515245 + 12345;
    int64_t deadline = NowNs() + 2'000'000 + (seed >> 8) % 3'000'000;
    timespec ts{static_cast<time_t>(deadline / 1'000'000'000), static_cast<long>(deadline % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
    }
    int64_t late = NowNs() - deadline;
    early += late < 0;
    us.push_back(static_cast<double>(late) / 1000.0);
  }
  if (us.empty()) return {0, "no iterations"};
  // Under the daemon the LibOS wakes a sleep ahead of its deadline and
  // polls up to it (docs/daemon.md, "Timers without a core"): the sleep must
  // still not end before it (tests/daemon/containers_test.sh runs this).
  if (early != 0) return {0, std::to_string(early) + " sleeps ended before their deadline"};
  // How many rounds were late by more than each bound: a p99 is under 10 µs
  // while at most 1 % of the rounds are over it (3 of 300, 15 of the bench
  // row's 1500: docs/performance.md, "Busy grant tail, sixth session").
  size_t over[3] = {0, 0, 0};
  for (double v : us) over[0] += v > 10, over[1] += v > 20, over[2] += v > 50;
  std::printf("wake_late_rounds over10us=%zu over20us=%zu over50us=%zu n=%zu\n", over[0], over[1], over[2],
              us.size());
  PrintRounds("wake_us", us);
  return {PrintPercentiles("wake_us", us).p99, ""};
}

// `iterations` times: block reading an 8-byte CLOCK_MONOTONIC timestamp
// from stdin (a host pipe the bench writes), and see how long after it
// was written we run. Prints "wake_us ..." like WakeGuest.
Measurement WakeOnFdGuest(const Context& ctx) {
  std::vector<double> us;
  for (uint64_t i = 0; i < ctx.iterations; i++) {
    int64_t sent = 0;
    size_t got = 0;
    while (got < sizeof sent) {
      ssize_t n = read(0, reinterpret_cast<char*>(&sent) + got, sizeof sent - got);
      if (n <= 0) return {0, "stdin closed early"};
      got += static_cast<size_t>(n);
    }
    us.push_back(static_cast<double>(NowNs() - sent) / 1000.0);
  }
  if (us.empty()) return {0, "no iterations"};
  PrintRounds("wake_us", us);
  return {PrintPercentiles("wake_us", us).p99, ""};
}

// `iterations` rounds: sleep until a deadline 2-5 ms away, then hand a
// token to a second thread and spin (no system calls) until it answers.
// On one kthread the answer comes only if the LibOS's preemption timer
// switches the spinner out: a test guest (tests/daemon/containers_test.sh),
// not a benchmark. Prints "handoffs n=.." when done.
Measurement WakeSpinGuest(const Context& ctx) {
  std::atomic<uint32_t> go{0}, done{0};  // (the warm-up run has its own)
  std::thread answerer([&go, &done] {
    for (uint32_t seen = 0;;) {
      uint32_t g;
      while ((g = go.load()) == seen) syscall(SYS_futex, &go, FUTEX_WAIT_PRIVATE, seen, nullptr);
      if (g == ~uint32_t{0}) return;
      seen = g;
      done.store(g);
    }
  });
  unsigned seed = 777;
  for (uint32_t i = 1; i <= ctx.iterations; i++) {
    seed = seed * 1103515245 + 12345;
    int64_t deadline = NowNs() + 2'000'000 + (seed >> 8) % 3'000'000;
    timespec ts{static_cast<time_t>(deadline / 1'000'000'000), static_cast<long>(deadline % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
    }
    go.store(i);
    syscall(SYS_futex, &go, FUTEX_WAKE_PRIVATE, 1);
    while (done.load(std::memory_order_relaxed) != i) {
    }
  }
  go.store(~uint32_t{0});
  syscall(SYS_futex, &go, FUTEX_WAKE_PRIVATE, 1);
  answerer.join();
  std::printf("handoffs n=%llu\n", static_cast<unsigned long long>(ctx.iterations));
  std::fflush(stdout);
  return {0, ""};
}

// CPU-bound for `iterations` ms (no system calls).
Measurement SpinGuest(const Context& ctx) {
  int64_t end = NowNs() + static_cast<int64_t>(ctx.iterations) * 1'000'000;
  volatile uint64_t x = 0;
  while (NowNs() < end)
    for (int i = 0; i < 1000; i++) x = x + 1;
  return {0, ""};
}

// ---- host side ----

// A daemon on a private socket managing the CPU the bench runs on.
struct TestDaemon {
  std::string dir, socket;
  Child proc;
  std::string error;
  TestDaemon(const Context& ctx, const char* polling) {
    char tmpl[] = "/tmp/junction-bench-sched.XXXXXX";
    if (!mkdtemp(tmpl)) {
      error = "mkdtemp failed";
      return;
    }
    dir = tmpl;
    socket = dir + "/control.sock";
    int cpu = PinnedCpu();
    if (cpu < 0) {
      error = "no CPU to manage";
      return;
    }
    if (!SpawnChild({ctx.self_exe, "daemon", "--set", "control.socket=\"" + socket + "\"", "--set",
                "cores=[" + std::to_string(cpu) + "]", "--set", std::string("polling=\"") + polling + "\""},
               &proc, dir + "/daemon.log")) {
      error = "cannot start junction daemon";
      return;
    }
    struct stat st{};
    for (int i = 0; i < 200 && stat(socket.c_str(), &st) != 0; i++) SleepMs(10);
    if (stat(socket.c_str(), &st) != 0) error = "junction daemon did not start (see its log)";
  }
  ~TestDaemon() {
    proc.Stop(SIGTERM);
    if (!dir.empty()) {
      for (const char* f : {"/daemon.log", "/be.toml", "/lc.toml", "/be.log"}) unlink((dir + f).c_str());
      unlink(socket.c_str());
      rmdir(dir.c_str());
    }
  }
  std::string AppConfig(const char* name, const char* cls, int guaranteed) const {
    std::string path = dir + "/" + name + ".toml";
    std::ofstream f(path);
    f << "name = \"" << name << "\"\n[cpu]\nclass = \"" << cls << "\"\nmax_cores = 1\n"
      << "guaranteed_cores = " << guaranteed << "\n[daemon]\nsocket = \"" << socket << "\"\n";
    return path;
  }
};

// A guest's report (its last, after the warm-up's): the percentile the row
// wants of this run, and every round, which the runner pools over the
// repeats (Measurement::pool_percent).
Measurement ParseWake(const std::string& out, bool want_p99) {
  double p50 = 0, p99 = 0;
  size_t at = out.rfind("wake_us p50=");
  if (at == std::string::npos || std::sscanf(out.c_str() + at, "wake_us p50=%lf p99=%lf", &p50, &p99) != 2)
    return {0, "no wake_us line: " + out};
  Measurement m{want_p99 ? p99 : p50, ""};
  if (!ParseRounds(out, "wake_us", &m.rounds)) return {0, "no wake_us_rounds line: " + out};
  m.pool_percent = want_p99 ? 99 : 50;
  return m;
}

std::vector<std::string> Worker(const Context& ctx, const char* name, uint64_t n) {
  return {ctx.self_exe, "bench", "worker", "sched", name, std::to_string(n)};
}

// One latency-critical container whose guest sleeps and wakes `iterations`
// times; with `hog`, a best-effort container runs a CPU-bound guest on the
// managed core. Natively the same programs as plain processes.
Measurement Wake(const Context& ctx, const char* polling, bool hog_on, bool want_p99) {
  Child hog;
  ProcessResult r;
  std::vector<std::string> wake = Worker(ctx, "wake", ctx.iterations);
  if (ctx.side == Side::kNative) {
    if (hog_on && !SpawnChild(Worker(ctx, "spin", 600'000), &hog)) return {0, "cannot start the CPU hog"};
    SleepMs(50);
    r = RunProcess(wake, Output::kCapture);
  } else {
    TestDaemon d(ctx, polling);
    if (!d.error.empty()) return {0, d.error};
    if (hog_on) {
      std::vector<std::string> be = {ctx.self_exe, "run", d.AppConfig("be", "best-effort", 0), "--"};
      std::vector<std::string> spin = Worker(ctx, "spin", 600'000);
      be.insert(be.end(), spin.begin(), spin.end());
      if (!SpawnChild(be, &hog, d.dir + "/be.log")) return {0, "cannot start the best-effort container"};
      SleepMs(200);  // registered and holding the core
    }
    std::vector<std::string> lc = {ctx.self_exe, "run", d.AppConfig("lc", "latency-critical", 1), "--"};
    lc.insert(lc.end(), wake.begin(), wake.end());
    r = RunProcess(lc, Output::kCapture);
    hog.Stop(SIGKILL);
  }
  if (!r.ok()) return {0, r.Describe()};
  return ParseWake(r.out, want_p99);
}

// A latency-critical container (or, natively, a process) blocked reading a
// host pipe; the bench writes a timestamp into it every 2-5 ms. Nothing
// tells the daemon in advance: the LibOS's watcher thread sees the pipe
// readable, queues the uthread and rings the doorbell; the daemon grants.
Measurement WakeOnFd(const Context& ctx, bool want_p99) {
  char tmpl[] = "/tmp/junction-bench-fd.XXXXXX";
  if (!mkdtemp(tmpl)) return {0, "mkdtemp failed"};
  std::string out_path = std::string(tmpl) + "/out";
  int p[2];
  if (pipe(p) != 0) return {0, "pipe failed"};
  std::vector<std::string> guest = Worker(ctx, "wake_fd", 0);  // rounds below
  guest.back() = std::to_string(ctx.iterations);
  Child reader;
  std::optional<TestDaemon> d;
  bool spawned;
  if (ctx.side == Side::kNative) {
    spawned = SpawnChild(guest, &reader, "/dev/null", p[0], out_path);
  } else {
    d.emplace(ctx, "adaptive");
    if (!d->error.empty()) {
      close(p[0]);
      close(p[1]);
      return {0, d->error};
    }
    std::vector<std::string> lc = {ctx.self_exe, "run", d->AppConfig("lc", "latency-critical", 1), "--"};
    lc.insert(lc.end(), guest.begin(), guest.end());
    spawned = SpawnChild(lc, &reader, "/dev/null", p[0], out_path);
  }
  close(p[0]);
  std::string error;
  if (!spawned) error = "cannot start the reader";
  SleepMs(300);  // started (and registered)
  unsigned seed = 4242;
  // The warm-up (a tenth) and the measured rounds of `bench worker`.
  uint64_t rounds = ctx.iterations + std::max<uint64_t>(1, std::min<uint64_t>(ctx.iterations / 10, 10'000));
  for (uint64_t i = 0; error.empty() && i < rounds; i++) {
    seed = seed * 1103515245 + 12345;
    timespec gap{0, 2'000'000 + static_cast<long>((seed >> 8) % 3'000'000)};
    nanosleep(&gap, nullptr);
    int64_t now = NowNs();
    if (write(p[1], &now, sizeof now) != static_cast<ssize_t>(sizeof now)) error = "the reader went away";
  }
  close(p[1]);
  int status = 0;
  if (reader.pid > 0) waitpid(reader.pid, &status, 0);
  reader.pid = -1;
  std::ifstream f(out_path);
  std::string out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  unlink(out_path.c_str());
  rmdir(tmpl);
  if (!error.empty()) return {0, error};
  return ParseWake(out, want_p99);
}

Measurement EventP50Adaptive(const Context& ctx) { return WakeOnFd(ctx, false); }
Measurement EventP99Adaptive(const Context& ctx) { return WakeOnFd(ctx, true); }

Measurement GrantP50Adaptive(const Context& ctx) { return Wake(ctx, "adaptive", false, false); }
Measurement GrantP99Adaptive(const Context& ctx) { return Wake(ctx, "adaptive", false, true); }
Measurement GrantP50Busy(const Context& ctx) { return Wake(ctx, "busy", false, false); }
Measurement GrantP99Busy(const Context& ctx) { return Wake(ctx, "busy", false, true); }
Measurement TakeP50Adaptive(const Context& ctx) { return Wake(ctx, "adaptive", true, false); }
Measurement TakeP99Adaptive(const Context& ctx) { return Wake(ctx, "adaptive", true, true); }
Measurement TakeP50Busy(const Context& ctx) { return Wake(ctx, "busy", true, false); }
Measurement TakeP99Busy(const Context& ctx) { return Wake(ctx, "busy", true, true); }

// CPU time of `pid` in ns: /proc/PID/schedstat (ns), else utime + stime
// of /proc/PID/stat (clock ticks: 10 ms, too coarse for an idle daemon).
long CpuTicks(pid_t pid);
double CpuNs(pid_t pid) {
  std::ifstream sched("/proc/" + std::to_string(pid) + "/schedstat");
  unsigned long long ns = 0;
  if (sched >> ns) return static_cast<double>(ns);
  long ticks = CpuTicks(pid);
  return ticks < 0 ? -1 : static_cast<double>(ticks) * 1e9 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// utime + stime of `pid` in clock ticks.
long CpuTicks(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t paren = s.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream in(s.substr(paren + 2));
  std::string field;
  long utime = -1, stime = -1;
  for (int i = 3; in >> field; i++) {  // field 3 is the state
    if (i == 14) utime = std::atol(field.c_str());
    if (i == 15) {
      stime = std::atol(field.c_str());
      break;
    }
  }
  return utime < 0 || stime < 0 ? -1 : utime + stime;
}

Measurement DaemonIdleCpu(const Context& ctx) {
  if (ctx.side == Side::kNative) return {0, ""};
  TestDaemon d(ctx, "adaptive");
  if (!d.error.empty()) return {0, d.error};
  Child idle;
  std::vector<std::string> argv = {ctx.self_exe, "run", d.AppConfig("lc", "latency-critical", 1), "--",
                                   "/bin/sleep", "30"};
  if (!SpawnChild(argv, &idle)) return {0, "cannot start the idle container"};
  SleepMs(500);
  double t0 = CpuNs(d.proc.pid);
  int64_t w0 = NowNs();
  SleepMs(static_cast<int>(std::max<uint64_t>(ctx.iterations, 1)) * 1000);
  double t1 = CpuNs(d.proc.pid);
  int64_t w1 = NowNs();
  if (t0 < 0 || t1 < 0) return {0, "cannot read the daemon's CPU time from /proc"};
  return {100.0 * (t1 - t0) / static_cast<double>(w1 - w0), ""};
}

constexpr const char* kGrantNote =
    "us from a timer deadline to the guest running; one latency-critical container, the managed "
    "core otherwise idle (granted once, then lent to its idle kthread, which polls from 150 us "
    "ahead); natively one process sleeping in clock_nanosleep (Linux's timer wake-up, no polling: "
    "not the polling floor, see docs/performance.md); percentiles over all repeats' rounds";
constexpr const char* kEventNote =
    "us from a write into a host pipe to the reader running; one latency-critical container, the "
    "managed core idle, nothing announced in advance; natively one process; percentiles over all "
    "repeats' rounds";
constexpr const char* kTakeNote =
    "us from a timer deadline to the guest running; the core taken from a CPU-bound best-effort "
    "container; natively the same two processes on one CPU; percentiles over all repeats' rounds";

constexpr Benchmark kSched[] = {
    {"sched", "grant_p50_adaptive", "us/wake", Where::kHost, 300, GrantP50Adaptive, kGrantNote},
    {"sched", "grant_p99_adaptive", "us/wake", Where::kHost, 300, GrantP99Adaptive, kGrantNote},
    {"sched", "grant_p50_busy", "us/wake", Where::kHost, 300, GrantP50Busy, kGrantNote},
    {"sched", "grant_p99_busy", "us/wake", Where::kHost, 300, GrantP99Busy, kGrantNote},
    {"sched", "take_p50_adaptive", "us/wake", Where::kHost, 300, TakeP50Adaptive, kTakeNote},
    {"sched", "take_p99_adaptive", "us/wake", Where::kHost, 300, TakeP99Adaptive, kTakeNote},
    {"sched", "take_p50_busy", "us/wake", Where::kHost, 300, TakeP50Busy, kTakeNote},
    {"sched", "take_p99_busy", "us/wake", Where::kHost, 300, TakeP99Busy, kTakeNote},
    {"sched", "event_p50_adaptive", "us/wake", Where::kHost, 300, EventP50Adaptive, kEventNote},
    {"sched", "event_p99_adaptive", "us/wake", Where::kHost, 300, EventP99Adaptive, kEventNote},
    {"sched", "daemon_idle_cpu", "%/core", Where::kHost, 5, DaemonIdleCpu,
     "adaptive daemon, one idle container registered, CPU time from /proc/PID/schedstat over "
     "`iterations` s; natively no daemon (0)"},
    // Guests of the benchmarks above (hidden: run as workers only).
    {"sched", "wake", "us/wake", Where::kWorker, 300, WakeGuest, "guest: p99 wake-up lateness", true},
    {"sched", "spin", "ms/run", Where::kWorker, 1000, SpinGuest, "guest: CPU-bound", true},
    {"sched", "wake_fd", "us/wake", Where::kWorker, 300, WakeOnFdGuest, "guest: p99 pipe wake-up", true},
    {"sched", "wake_spin", "rounds/run", Where::kWorker, 100, WakeSpinGuest,
     "guest: wakes, then needs preemption to finish each round", true},
};

}  // namespace

std::span<const Benchmark> SchedSuite() { return kSched; }

}  // namespace junction::bench
