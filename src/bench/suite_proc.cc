// Suite `proc`: creating processes — natively and as container processes
// under the LibOS (host forks with the LibOS state copied, pids from the
// shared process table, waits parked on pidfds). Both sides run pinned
// to one vCPU (the runner pins); each figure is one whole cycle.
//
//   spawn_true    posix_spawn of /bin/true, then waitpid
//   fork_exit     fork of the worker itself, the child _exits, waitpid
//   fork_100m     the same with 100 MiB of touched private memory
//   fork_exec     fork, execve of /bin/true in the child, waitpid (the
//                 exec's own cost is this minus fork_exit)
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "bench/bench.h"
#include "bench/process.h"

extern char** environ;

namespace junction::bench {

namespace {

constexpr const char* kTrue = "/bin/true";

bool Reaped(pid_t pid) {
  int st = 0;
  return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

Measurement SpawnTrue(const Context& ctx) {
  char* argv[] = {const_cast<char*>(kTrue), nullptr};
  int64_t start = NowNs();
  for (uint64_t i = 0; i < ctx.iterations; i++) {
    pid_t pid;
    if (posix_spawn(&pid, kTrue, nullptr, nullptr, argv, environ) != 0 || !Reaped(pid))
      return {0, "posix_spawn /bin/true failed"};
  }
  return {static_cast<double>(NowNs() - start) / 1000.0 / static_cast<double>(ctx.iterations), ""};
}

Measurement ForkExitWait(uint64_t iterations) {
  int64_t start = NowNs();
  for (uint64_t i = 0; i < iterations; i++) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (!Reaped(pid)) return {0, "fork/wait failed"};
  }
  return {static_cast<double>(NowNs() - start) / 1000.0 / static_cast<double>(iterations), ""};
}

Measurement ForkExit(const Context& ctx) { return ForkExitWait(ctx.iterations); }

Measurement Fork100M(const Context& ctx) {
  constexpr size_t kSize = 100u << 20;
  void* mem = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return {0, "mmap 100 MiB failed"};
  std::memset(mem, 1, kSize);  // every page present: fork copies 25,600 PTEs
  Measurement m = ForkExitWait(ctx.iterations);
  munmap(mem, kSize);
  return m;
}

Measurement ForkExec(const Context& ctx) {
  char* argv[] = {const_cast<char*>(kTrue), nullptr};
  int64_t start = NowNs();
  for (uint64_t i = 0; i < ctx.iterations; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      execve(kTrue, argv, environ);
      _exit(127);
    }
    if (!Reaped(pid)) return {0, "fork+execve /bin/true failed"};
  }
  return {static_cast<double>(NowNs() - start) / 1000.0 / static_cast<double>(ctx.iterations), ""};
}

constexpr Benchmark kProc[] = {
    {"proc", "spawn_true", "us/op", Where::kWorker, 300, SpawnTrue,
     "posix_spawn of /bin/true + waitpid"},
    {"proc", "fork_exit", "us/op", Where::kWorker, 300, ForkExit,
     "fork, child _exit(0), waitpid"},
    {"proc", "fork_100m", "us/op", Where::kWorker, 100, Fork100M,
     "fork of a process with 100 MiB touched, child _exit(0), waitpid"},
    {"proc", "fork_exec", "us/op", Where::kWorker, 300, ForkExec,
     "fork, execve /bin/true, waitpid (exec = this - fork_exit)"},
};

}  // namespace

std::span<const Benchmark> ProcSuite() { return kProc; }

}  // namespace junction::bench
