// The host-call seccomp filter (src/libos/entry/seccomp.cc), run in a
// small classic-BPF interpreter: every system call number from inside and
// outside the stubs' range, the architecture check, clone's flags, and
// the length of the hot path.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "libos/entry/seccomp.h"

namespace {

struct Verdict {
  uint32_t ret = 0;
  int steps = 0;
};

// The instructions the filter uses; anything else fails the test.
Verdict Run(const std::vector<sock_filter>& prog, const seccomp_data& d) {
  uint32_t a = 0;
  Verdict v;
  for (size_t pc = 0; pc < prog.size(); pc++) {
    const sock_filter& in = prog[pc];
    v.steps++;
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        REQUIRE(in.k + 4 <= sizeof(d));
        std::memcpy(&a, reinterpret_cast<const char*>(&d) + in.k, 4);
        break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; break;
      case BPF_ALU | BPF_SUB | BPF_K: a -= in.k; break;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += a > in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += a >= in.k ? in.jt : in.jf; break;
      case BPF_RET | BPF_K: v.ret = in.k; return v;
      default: FAIL("unexpected BPF instruction ", in.code);
    }
  }
  FAIL("fell off the end of the filter");
  return v;
}

seccomp_data Call(int nr, uint64_t ip, uint64_t arg0 = 0, uint32_t arch = AUDIT_ARCH_X86_64) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = arch;
  d.instruction_pointer = ip;
  d.args[0] = arg0;
  return d;
}

constexpr uint64_t kLo = 0x7f12'3456'7000, kHi = 0x7f12'3456'7080;

}  // namespace

TEST_CASE("seccomp filter: from the stubs, exactly the allow-list passes") {
  auto prog = junction::libos::BuildSeccompFilter(kLo, kHi);
  REQUIRE(prog.size() <= BPF_MAXINSNS);
  int allowed = 0;
  for (int nr = 0; nr < 1024; nr++) {
    if (nr == SYS_clone) continue;
    Verdict v = Run(prog, Call(nr, kLo + 0x20));
    bool listed = junction::libos::HostCallAllowed(nr);
    CHECK_MESSAGE(v.ret == (listed ? SECCOMP_RET_ALLOW : (SECCOMP_RET_ERRNO | EPERM)), "nr ", nr);
    allowed += listed;
    // A binary search: no allowed call walks the whole list.
    CHECK_MESSAGE(v.steps <= 40, "nr ", nr, " took ", v.steps);
  }
  CHECK(allowed > 100);
  CHECK(junction::libos::HostCallAllowed(SYS_pread64));
  CHECK_FALSE(junction::libos::HostCallAllowed(SYS_execve));
  // The first and last byte of the range count, the bytes around it do not.
  CHECK(Run(prog, Call(SYS_read, kLo)).ret == SECCOMP_RET_ALLOW);
  CHECK(Run(prog, Call(SYS_read, kHi - 1)).ret == SECCOMP_RET_ALLOW);
}

TEST_CASE("seccomp filter: calls from outside the stubs trap, other architectures die") {
  auto prog = junction::libos::BuildSeccompFilter(kLo, kHi);
  for (uint64_t ip : {kLo - 1, kHi, kHi + 0x1000, kLo - 0x1000, kLo + (uint64_t{1} << 32),
                      kLo - (uint64_t{1} << 32), uint64_t{0x401000}}) {
    for (int nr = 0; nr < 1024; nr++) {
      uint32_t want = junction::libos::HostCallAllowedFromAnywhere(nr) ? SECCOMP_RET_ALLOW : SECCOMP_RET_TRAP;
      CHECK_MESSAGE(Run(prog, Call(nr, ip)).ret == want, "nr ", nr, " ip ", ip);
    }
  }
  CHECK(Run(prog, Call(3, kLo, 0, AUDIT_ARCH_I386)).ret == SECCOMP_RET_KILL_PROCESS);
}

TEST_CASE("seccomp filter: clone only fork-like") {
  auto prog = junction::libos::BuildSeccompFilter(kLo, kHi);
  CHECK(Run(prog, Call(SYS_clone, kLo, SIGCHLD)).ret == SECCOMP_RET_ALLOW);
  CHECK(Run(prog, Call(SYS_clone, kLo, SIGCHLD | CLONE_PIDFD)).ret == SECCOMP_RET_ALLOW);
  CHECK(Run(prog, Call(SYS_clone, kLo, SIGCHLD | CLONE_VM)).ret == (SECCOMP_RET_ERRNO | EPERM));
  CHECK(Run(prog, Call(SYS_clone, kLo, CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)).ret ==
        (SECCOMP_RET_ERRNO | EPERM));
  CHECK(Run(prog, Call(SYS_clone, kLo, CLONE_NEWNS | SIGCHLD)).ret == (SECCOMP_RET_ERRNO | EPERM));
}

TEST_CASE("seccomp filter: clone of a thread only with the kthread flags") {
  using junction::libos::kThreadCloneFlags;
  auto prog = junction::libos::BuildSeccompFilter(kLo, kHi);
  CHECK(Run(prog, Call(SYS_clone, kLo, kThreadCloneFlags)).ret == SECCOMP_RET_ALLOW);
  CHECK(Run(prog, Call(SYS_clone, kLo, kThreadCloneFlags | SIGCHLD)).ret == (SECCOMP_RET_ERRNO | EPERM));
  CHECK(Run(prog, Call(SYS_clone, kLo, kThreadCloneFlags | CLONE_NEWNS)).ret ==
        (SECCOMP_RET_ERRNO | EPERM));
  CHECK(Run(prog, Call(SYS_clone, kLo, kThreadCloneFlags & ~CLONE_SETTLS)).ret ==
        (SECCOMP_RET_ERRNO | EPERM));
  // From outside the stubs it traps like any other call.
  CHECK(Run(prog, Call(SYS_clone, kHi, kThreadCloneFlags)).ret == SECCOMP_RET_TRAP);
}

// As the kernel's seccomp_is_const_allow: the verdict from the number and
// architecture alone, or false once anything else is loaded.
bool ConstAllow(const std::vector<sock_filter>& prog, int nr) {
  uint32_t a = 0;
  for (size_t pc = 0; pc < prog.size(); pc++) {
    const sock_filter& in = prog[pc];
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k == offsetof(seccomp_data, nr)) a = static_cast<uint32_t>(nr);
        else if (in.k == offsetof(seccomp_data, arch)) a = AUDIT_ARCH_X86_64;
        else return false;
        break;
      case BPF_RET | BPF_K: return in.k == SECCOMP_RET_ALLOW;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += a > in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += a >= in.k ? in.jt : in.jf; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; break;
      default: return false;
    }
  }
  return false;
}

TEST_CASE("seccomp filter: the kernel skips it for the descriptor I/O calls only") {
  auto prog = junction::libos::BuildSeccompFilter(kLo, kHi);
  int cached = 0;
  for (int nr = 0; nr < 1024; nr++) {
    CHECK_MESSAGE(ConstAllow(prog, nr) == junction::libos::HostCallAllowedFromAnywhere(nr), "nr ", nr);
    cached += ConstAllow(prog, nr);
  }
  CHECK(cached == 7);
  for (int nr : {SYS_pread64, SYS_pwrite64, SYS_read, SYS_write, SYS_close, SYS_fstat, SYS_sync_file_range})
    CHECK(junction::libos::HostCallAllowedFromAnywhere(nr));
  // Nothing that names a path, and no ioctl (any request on any held
  // descriptor: a terminal's TIOCSTI among them).
  for (int nr : {SYS_openat, SYS_openat2, SYS_newfstatat, SYS_statx, SYS_futex, SYS_mmap, SYS_clone,
                 SYS_execve, SYS_ioctl})
    CHECK_FALSE(junction::libos::HostCallAllowedFromAnywhere(nr));
}

TEST_CASE("seccomp filter: the LibOS's next hottest host call is short") {
  auto prog = junction::libos::BuildSeccompFilter(kLo, kHi);
  // Architecture (2), the by-number calls (8), instruction pointer (5),
  // the number again (1), the hit (2).
  CHECK(Run(prog, Call(SYS_futex, kLo)).steps == 18);
  CHECK(Run(prog, Call(SYS_read, kLo)).steps == 7);
}
