// Suite `syscall`: the cost of entering the kernel (natively) or the LibOS
// (under `junction run`) for a trivial call.
//
//   getpid       a `mov $39,%eax; syscall` site (b8 27 00 00 00 0f 05): the
//                LibOS traps it once and rewrites it to a jump into its
//                entry (the fast path); the worker's warm-up takes the trap.
//   getpid_trap  a `mov %rdi,%rax; syscall` site (48 89 f8 0f 05), the shape
//                of a register-number wrapper the LibOS does not rewrite, so every
//                call takes the Syscall User Dispatch trap (the slow path).
//   getuid       as getpid, `mov $102,%eax; syscall` (b8 66 00 00 00 0f 05):
//                a handler marked kFast in the syscall table (no vector
//                state save, no %fs switch), so the entry cost on its own.
//   clock_gettime glibc's clock_gettime(CLOCK_MONOTONIC): the host's vDSO
//                natively, the LibOS's vDSO under junction (no entry at
//                all; src/libos/vdso). Its speed belongs here, not in a
//                timed unit test.
//
// The sites sit in non-inlined functions called in a loop; check the bytes
// with `objdump -d junction | grep -A3 'Via.*Site.*>:'`.
#include <sys/syscall.h>
#include <time.h>

#include "bench/bench.h"
#include "bench/process.h"

namespace junction::bench {

namespace {

// `mov $NR,%eax; syscall`: the shape the LibOS rewrites.
template <int kNr>
[[gnu::noinline]] long ViaRewritableSite() {
  long ret;
  asm volatile("movl %1, %%eax\n\tsyscall" : "=a"(ret) : "i"(kNr) : "rcx", "r11", "memory");
  return ret;
}

// `mov %rdi,%rax; syscall`: a shape the LibOS leaves on the trap path.
[[gnu::noinline]] long ViaTrapSite(long nr) {
  long ret;
  asm volatile("movq %%rdi, %%rax\n\tsyscall" : "=a"(ret) : "D"(nr) : "rcx", "r11", "memory");
  return ret;
}

// Times `n` calls of `call`, after checking that both site shapes give the
// same answer for syscall kNr: a wrong result would make the time
// meaningless (and the LibOS must give identical results on both paths).
template <int kNr, typename F>
Measurement NsPerCall(uint64_t n, F call) {
  long fast = ViaRewritableSite<kNr>(), trap = ViaTrapSite(kNr);
  if (fast != trap || fast < 0)
    return {0, "syscall " + std::to_string(kNr) + " differs between the sites: " +
                   std::to_string(fast) + " (mov $NR,%eax) vs " + std::to_string(trap) +
                   " (mov %rdi,%rax)"};
  if (n == 0) return {0, "no iterations"};
  int64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) call();
  int64_t end = NowNs();
  return {static_cast<double>(end - start) / static_cast<double>(n), ""};
}

Measurement Getpid(const Context& ctx) {
  return NsPerCall<SYS_getpid>(ctx.iterations, [] { ViaRewritableSite<SYS_getpid>(); });
}

Measurement GetpidTrap(const Context& ctx) {
  return NsPerCall<SYS_getpid>(ctx.iterations, [] { ViaTrapSite(SYS_getpid); });
}

Measurement Getuid(const Context& ctx) {
  return NsPerCall<SYS_getuid>(ctx.iterations, [] { ViaRewritableSite<SYS_getuid>(); });
}

Measurement ClockGettime(const Context& ctx) {
  timespec first, ts;
  if (clock_gettime(CLOCK_MONOTONIC, &first) != 0) return {0, "clock_gettime(CLOCK_MONOTONIC) failed"};
  if (ctx.iterations == 0) return {0, "no iterations"};
  int64_t start = NowNs();
  for (uint64_t i = 0; i < ctx.iterations; i++) clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t end = NowNs();
  // A clock that went backwards would make the time meaningless.
  if (ts.tv_sec < first.tv_sec || (ts.tv_sec == first.tv_sec && ts.tv_nsec < first.tv_nsec))
    return {0, "CLOCK_MONOTONIC went backwards"};
  return {static_cast<double>(end - start) / static_cast<double>(ctx.iterations), ""};
}

constexpr Benchmark kSyscall[] = {
    {"syscall", "getpid", "ns/op", Where::kWorker, 1'000'000, Getpid,
     "raw getpid; under junction the rewritten fast path (mov $39,%eax; syscall)"},
    {"syscall", "getpid_trap", "ns/op", Where::kWorker, 200'000, GetpidTrap,
     "raw getpid; under junction the trap path (mov %rdi,%rax; syscall is not rewritten)"},
    {"syscall", "getuid", "ns/op", Where::kWorker, 1'000'000, Getuid,
     "raw getuid; under junction the fast path to a kFast handler (mov $102,%eax; syscall)"},
    {"syscall", "clock_gettime", "ns/op", Where::kWorker, 2'000'000, ClockGettime,
     "glibc clock_gettime(CLOCK_MONOTONIC); natively the host vDSO, under junction the LibOS's vDSO"},
};

}  // namespace

std::span<const Benchmark> SyscallSuite() { return kSyscall; }

}  // namespace junction::bench
