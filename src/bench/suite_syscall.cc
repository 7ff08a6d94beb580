// Suite `syscall`: the cost of entering the kernel (natively) or the LibOS
// (under `junction run`) for a trivial call, getpid.
//
//   getpid       a `mov $39,%eax; syscall` site (b8 27 00 00 00 0f 05): the
//                LibOS traps it once and rewrites it to a jump into its
//                entry (the fast path); the worker's warm-up takes the trap.
//   getpid_trap  a `mov %rdi,%rax; syscall` site (48 89 f8 0f 05), the shape
//                of glibc's syscall(): the LibOS cannot rewrite it, so every
//                call takes the Syscall User Dispatch trap (the slow path).
//
// Both sites sit in non-inlined functions called in a loop; check the bytes
// with `objdump -d junction | grep -A3 'GetpidVia'`.
#include <sys/syscall.h>

#include "bench/bench.h"
#include "bench/process.h"

namespace junction::bench {

namespace {

[[gnu::noinline]] long GetpidViaRewritableSite() {
  long ret;
  asm volatile("movl $39, %%eax\n\tsyscall" : "=a"(ret) : : "rcx", "r11", "memory");
  return ret;
}

[[gnu::noinline]] long GetpidViaTrapSite(long nr) {
  long ret;
  asm volatile("movq %%rdi, %%rax\n\tsyscall" : "=a"(ret) : "D"(nr) : "rcx", "r11", "memory");
  return ret;
}

static_assert(SYS_getpid == 39, "the rewritable site hard-codes getpid's number");

template <typename F>
Measurement NsPerCall(uint64_t n, F call) {
  // Both sites must agree (and with the host's answer natively): a wrong
  // result would make the timing meaningless.
  long fast = GetpidViaRewritableSite(), trap = GetpidViaTrapSite(SYS_getpid);
  if (fast != trap || fast <= 0)
    return {0, "getpid differs between the sites: " + std::to_string(fast) + " (mov $39,%eax) vs " +
                   std::to_string(trap) + " (mov %rdi,%rax)"};
  if (n == 0) return {0, "no iterations"};
  int64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) call();
  int64_t end = NowNs();
  return {static_cast<double>(end - start) / static_cast<double>(n), ""};
}

Measurement Getpid(const Context& ctx) {
  return NsPerCall(ctx.iterations, [] { GetpidViaRewritableSite(); });
}

Measurement GetpidTrap(const Context& ctx) {
  return NsPerCall(ctx.iterations, [] { GetpidViaTrapSite(SYS_getpid); });
}

constexpr Benchmark kSyscall[] = {
    {"syscall", "getpid", "ns/op", Where::kWorker, 1'000'000, Getpid,
     "raw getpid; under junction the rewritten fast path (mov $39,%eax; syscall)"},
    {"syscall", "getpid_trap", "ns/op", Where::kWorker, 200'000, GetpidTrap,
     "raw getpid; under junction the trap path (mov %rdi,%rax; syscall is not rewritten)"},
};

}  // namespace

std::span<const Benchmark> SyscallSuite() { return kSyscall; }

}  // namespace junction::bench
