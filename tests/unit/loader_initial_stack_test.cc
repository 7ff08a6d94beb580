// The initial stack matches Linux's create_elf_tables layout, checked word
// by word in a buffer standing for the top of a stack.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>
#include <string>
#include <vector>

#include "libos/loader/initial_stack.h"

namespace junction::libos::loader {
namespace {

struct StackFixture {
  std::vector<uint8_t> memory = std::vector<uint8_t>(64 * 1024);
  uintptr_t top = 0x7ffd00000000;
  std::vector<std::string> argv = {"/bin/prog", "-x", ""};
  std::vector<std::string> envp = {"HOME=/root", "A=1"};
  AuxValues aux;
  StackContents contents;

  StackFixture() {
    aux.vdso_base = 0x7fff00001000;
    aux.hwcap = 0x178bfbff;
    aux.hwcap2 = 2;
    aux.minsigstksz = 3376;
    aux.uid = 1000;
    aux.euid = 1001;
    aux.gid = 1002;
    aux.egid = 1003;
    for (int i = 0; i < 16; i++) aux.random[i] = static_cast<uint8_t>(0xa0 + i);
    contents = StackContents{.argv = &argv, .envp = &envp, .execfn = "/bin/prog", .aux = &aux,
                             .image = {.phdr = 0x400040, .phent = 56, .phnum = 9,
                                       .interp_base = 0x7f0000000000, .entry = 0x401000}};
  }
  uint64_t Word(uintptr_t addr) {
    uint64_t v;
    memcpy(&v, &memory[addr - (top - memory.size())], sizeof(v));
    return v;
  }
  std::string String(uintptr_t addr) {
    return reinterpret_cast<const char*>(&memory[addr - (top - memory.size())]);
  }
};

TEST_CASE("initial stack layout") {
  StackFixture f;
  std::string error;
  uintptr_t sp = LayoutInitialStack(f.memory, f.top, f.contents, &error);
  REQUIRE_MESSAGE(sp != 0, error);
  CHECK(sp % 16 == 0);
  CHECK(f.Word(sp) == 3);  // argc
  uintptr_t p = sp + 8;
  std::vector<uintptr_t> argv_ptrs, envp_ptrs;
  for (size_t i = 0; i < f.argv.size(); i++, p += 8) argv_ptrs.push_back(f.Word(p));
  CHECK(f.Word(p) == 0);
  p += 8;
  for (size_t i = 0; i < f.envp.size(); i++, p += 8) envp_ptrs.push_back(f.Word(p));
  CHECK(f.Word(p) == 0);
  p += 8;
  for (size_t i = 0; i < f.argv.size(); i++) CHECK(f.String(argv_ptrs[i]) == f.argv[i]);
  for (size_t i = 0; i < f.envp.size(); i++) CHECK(f.String(envp_ptrs[i]) == f.envp[i]);

  // Strings: argv then envp then execfn, contiguous, then 8 zero bytes at the top.
  uintptr_t cursor = argv_ptrs[0];
  for (uintptr_t a : argv_ptrs) {
    CHECK(a == cursor);
    cursor += f.String(a).size() + 1;
  }
  for (uintptr_t e : envp_ptrs) {
    CHECK(e == cursor);
    cursor += f.String(e).size() + 1;
  }
  uintptr_t execfn = cursor;
  CHECK(f.String(execfn) == "/bin/prog");
  CHECK(execfn + 10 + 8 == f.top);
  CHECK(f.Word(f.top - 8) == 0);

  // auxv in the kernel's order.
  struct Entry {
    uint64_t type, value;
  };
  std::vector<Entry> auxv;
  for (;; p += 16) {
    auxv.push_back({f.Word(p), f.Word(p + 8)});
    if (auxv.back().type == AT_NULL) break;
  }
  std::vector<uint64_t> types;
  for (const Entry& e : auxv) types.push_back(e.type);
  std::vector<uint64_t> expected = {AT_SYSINFO_EHDR, 51 /*AT_MINSIGSTKSZ*/, AT_HWCAP, AT_PAGESZ,
                                    AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS,
                                    AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE,
                                    AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM, AT_NULL};
  CHECK(types == expected);
  auto value = [&](uint64_t type) {
    for (const Entry& e : auxv)
      if (e.type == type) return e.value;
    return uint64_t{0xdead};
  };
  CHECK(value(AT_SYSINFO_EHDR) == 0x7fff00001000);
  CHECK(value(51) == 3376);
  CHECK(value(AT_HWCAP) == 0x178bfbff);
  CHECK(value(AT_PAGESZ) == 4096);
  CHECK(value(AT_CLKTCK) == 100);
  CHECK(value(AT_PHDR) == 0x400040);
  CHECK(value(AT_PHENT) == 56);
  CHECK(value(AT_PHNUM) == 9);
  CHECK(value(AT_BASE) == 0x7f0000000000);
  CHECK(value(AT_FLAGS) == 0);
  CHECK(value(AT_ENTRY) == 0x401000);
  CHECK(value(AT_UID) == 1000);
  CHECK(value(AT_EUID) == 1001);
  CHECK(value(AT_GID) == 1002);
  CHECK(value(AT_EGID) == 1003);
  CHECK(value(AT_SECURE) == 0);
  CHECK(value(AT_HWCAP2) == 2);
  CHECK(value(AT_EXECFN) == execfn);
  // Platform string just below the 16-aligned start of the strings, the
  // random bytes just below it.
  uintptr_t platform = value(AT_PLATFORM);
  CHECK(f.String(platform) == "x86_64");
  CHECK(platform + 7 == (argv_ptrs[0] & ~uintptr_t{15}));
  uintptr_t random = value(AT_RANDOM);
  CHECK(random + 16 == platform);
  for (int i = 0; i < 16; i++) CHECK(f.memory[random - (f.top - f.memory.size()) + i] == 0xa0 + i);
  // Nothing but alignment padding between the auxv and the random bytes.
  CHECK(random - (p + 16) < 16);
}

TEST_CASE("optional auxv entries") {
  StackFixture f;
  f.aux.vdso_base = 0;
  f.aux.rseq_feature_size = 28;
  f.aux.rseq_align = 32;
  std::string error;
  uintptr_t sp = LayoutInitialStack(f.memory, f.top, f.contents, &error);
  REQUIRE(sp != 0);
  uintptr_t auxv = sp + 8 * (1 + 4 + 3);
  CHECK(f.Word(auxv) == 51);  // no AT_SYSINFO_EHDR: AT_MINSIGSTKSZ first
  std::vector<uint64_t> tail;
  for (uintptr_t p = auxv;; p += 16) {
    tail.push_back(f.Word(p));
    if (f.Word(p) == AT_NULL) break;
  }
  REQUIRE(tail.size() >= 4);
  CHECK(tail[tail.size() - 4] == AT_PLATFORM);
  CHECK(tail[tail.size() - 3] == 27);
  CHECK(tail[tail.size() - 2] == 28);
}

TEST_CASE("alignment holds for every argc/envc parity and string length") {
  for (size_t nargs = 1; nargs < 5; nargs++) {
    for (size_t len = 0; len < 20; len++) {
      StackFixture f;
      f.argv.assign(nargs, std::string(len, 'a'));
      std::string error;
      uintptr_t sp = LayoutInitialStack(f.memory, f.top, f.contents, &error);
      REQUIRE(sp != 0);
      CHECK(sp % 16 == 0);
      CHECK(f.Word(sp) == nargs);
    }
  }
}

TEST_CASE("too big for the stack") {
  StackFixture f;
  f.argv.assign(1, std::string(70 * 1024, 'a'));
  std::string error;
  CHECK(LayoutInitialStack(f.memory, f.top, f.contents, &error) == 0);
  CHECK(error == "argument list too long for the stack");
  CHECK(ArgumentsFit(f.contents, kStackSize, &error));
  f.argv.assign(1, std::string(kMaxArgStringSize, 'a'));
  CHECK_FALSE(ArgumentsFit(f.contents, kStackSize, &error));
  CHECK(error == "argument or environment string longer than 128 KiB");
  f.argv.assign(20, std::string(120 * 1024, 'a'));
  CHECK_FALSE(ArgumentsFit(f.contents, kStackSize, &error));
  CHECK(error == "argument list too long");
}

TEST_CASE("the stack and the argument space follow RLIMIT_STACK") {
  CHECK(StackSizeFor(kStackSize) == kStackSize);
  CHECK(StackSizeFor(64 << 20) == size_t{64} << 20);
  CHECK(StackSizeFor(1 << 20) == size_t{1} << 20);
  CHECK(StackSizeFor((1 << 20) + 1) == (size_t{1} << 20) + 4096);  // page-rounded
  CHECK(StackSizeFor(4096) == kMinStackSize);
  CHECK(StackSizeFor(~uint64_t{0}) == kMaxStackSize);  // RLIM_INFINITY
  StackFixture f;
  std::string error;
  f.argv.assign(25, std::string(100 * 1024, 'a'));  // 2.5 MB: over 8 MiB / 4
  CHECK_FALSE(ArgumentsFit(f.contents, kStackSize, &error));
  CHECK(ArgumentsFit(f.contents, 64 << 20, &error));
  CHECK(ArgumentsFit(f.contents, ~uint64_t{0}, &error));
  f.argv.assign(62, std::string(100 * 1024, 'a'));  // 6.2 MB: over 6 MiB, whatever the limit
  CHECK_FALSE(ArgumentsFit(f.contents, ~uint64_t{0}, &error));
  f.argv.assign(1, std::string(120 * 1024, 'a'));  // ARG_MAX beats a quarter of 200 KiB
  CHECK(ArgumentsFit(f.contents, 200 * 1024, &error));
  // but the strings may not outgrow a smaller limit (copy_strings' stack
  // growth fails: E2BIG, as natively)
  CHECK_FALSE(ArgumentsFit(f.contents, 16 * 1024, &error));
  f.argv.assign(1, std::string(12 * 1024, 'a'));
  CHECK(ArgumentsFit(f.contents, 16 * 1024, &error));
}

// Whatever ArgumentsFit lets in also fits the stack StackSizeFor maps for
// the same limit: exec never fails past its point of no return.
TEST_CASE("arguments that fit always fit the stack") {
  for (uint64_t limit : {uint64_t{4096}, uint64_t{16} << 10, uint64_t{64} << 10,
                         uint64_t{128} << 10, uint64_t{130} << 10, uint64_t{132} << 10,
                         uint64_t{200} << 10, uint64_t{512} << 10, uint64_t{1} << 20}) {
    for (size_t nargs : {size_t{1}, size_t{100}, size_t{2000}}) {
      StackFixture f;
      std::string error;
      // The largest equal strings ArgumentsFit accepts (a binary search).
      size_t lo = 0, hi = kMaxArgStringSize;
      while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        f.argv.assign(nargs, std::string(mid, 'a'));
        if (ArgumentsFit(f.contents, limit, &error)) lo = mid; else hi = mid - 1;
      }
      f.argv.assign(nargs, std::string(lo, 'a'));
      REQUIRE(ArgumentsFit(f.contents, limit, &error));
      f.memory.assign(StackSizeFor(limit), 0);
      CAPTURE(limit);
      CAPTURE(nargs);
      CHECK_MESSAGE(LayoutInitialStack(f.memory, f.top, f.contents, &error) != 0, error);
    }
  }
}

}  // namespace
}  // namespace junction::libos::loader
