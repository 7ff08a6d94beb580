// The instructions a shape-F syscall site may carry between `mov $nr,%eax`
// and `syscall` (libos/entry/carried_insns.h): exactly the listed forms,
// never one that reads or writes %rax, writes %rsp, uses RIP or an index,
// none writing a register an earlier one read,
// and the look back from a syscall finds the mov only where the carried
// instructions end exactly at it.
#include <doctest/doctest.h>
#include <sys/mman.h>

#include <cstring>
#include <vector>

#include "libos/entry/carried_insns.h"

namespace junction::libos {
namespace {

size_t Len(std::vector<uint8_t> b) { return CarriedInsnAt(b.data(), b.data() + b.size()); }

// `bytes` placed so that they end at a page's start + 0x800, followed by
// `syscall`; CarriedInsnsBefore of that syscall.
size_t Before(std::vector<uint8_t> bytes) {
  static uint8_t* page = static_cast<uint8_t*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  std::memset(page, 0x90, 4096);
  uint8_t* at = page + 0x800;
  std::memcpy(at - bytes.size(), bytes.data(), bytes.size());
  at[0] = 0x0f;
  at[1] = 0x05;
  return CarriedInsnsBefore(reinterpret_cast<uintptr_t>(at));
}

TEST_CASE("carried instructions: the listed forms, exactly") {
  CHECK(Len({0xbf, 0x9c, 0xff, 0xff, 0xff}) == 5);        // mov $-100,%edi
  CHECK(Len({0x41, 0xba, 1, 0, 0, 0}) == 6);              // mov $1,%r10d
  CHECK(Len({0x48, 0x89, 0x1b}) == 3);                    // mov %rbx,(%rbx)
  CHECK(Len({0x48, 0x89, 0x5b, 0x10}) == 4);              // mov %rbx,0x10(%rbx)
  CHECK(Len({0x31, 0xff}) == 2);                          // xor %edi,%edi
  CHECK(Len({0x45, 0x31, 0xd2}) == 3);                    // xor %r10d,%r10d
  CHECK(Len({0x4c, 0x8b, 0x4c, 0x24, 0x08}) == 5);        // mov 0x8(%rsp),%r9
  CHECK(Len({0x8b, 0x3c, 0x24}) == 3);                    // mov (%rsp),%edi
  CHECK(Len({0x48, 0x89, 0x55, 0xf8}) == 4);              // mov %rdx,-0x8(%rbp)
}

TEST_CASE("carried instructions: nothing that touches %rax, writes %rsp or depends on its place") {
  CHECK(Len({0xb8, 1, 0, 0, 0}) == 0);                    // mov $1,%eax
  CHECK(Len({0xbc, 1, 0, 0, 0}) == 0);                    // mov $1,%esp
  CHECK(Len({0x48, 0xbf, 1, 0, 0, 0, 0, 0, 0, 0}) == 0);  // movabs (REX.W b8+r)
  CHECK(Len({0x48, 0x89, 0xfe}) == 3);                    // mov %rdi,%rsi
  CHECK(Len({0x4c, 0x89, 0xff}) == 3);                    // mov %r15,%rdi
  CHECK(Len({0x89, 0xfe}) == 2);                          // mov %edi,%esi
  CHECK(Len({0x49, 0x89, 0xc2}) == 0);                    // mov %rax,%r10
  CHECK(Len({0x48, 0x89, 0xe7}) == 0);                    // mov %rsp,%rdi
  CHECK(Len({0x48, 0x89, 0xc7}) == 0);                    // mov %rax,%rdi
  CHECK(Len({0x48, 0x89, 0xf8}) == 0);                    // mov %rdi,%rax
  CHECK(Len({0x48, 0x89, 0xfc}) == 0);                    // mov %rdi,%rsp
  CHECK(Len({0x48, 0x89, 0x18}) == 0);                    // mov %rbx,(%rax)
  CHECK(Len({0x48, 0x89, 0x03}) == 0);                    // mov %rax,(%rbx)
  CHECK(Len({0x48, 0x89, 0x3d, 1, 0, 0, 0}) == 0);        // mov %rdi,0x1(%rip)
  CHECK(Len({0x48, 0x89, 0x3c, 0x24}) == 0);              // mov %rdi,(%rsp): a SIB byte
  CHECK(Len({0x4a, 0x89, 0x3b}) == 0);                    // REX.X
  CHECK(Len({0x48, 0x89, 0x9b, 0, 1, 0, 0}) == 0);        // disp32: not taken
  CHECK(Len({0x31, 0xc0}) == 0);                          // xor %eax,%eax
  CHECK(Len({0x31, 0xf7}) == 0);                          // xor %esi,%edi: not a zeroing
  CHECK(Len({0x48, 0x31, 0xff}) == 0);                    // xor %rdi,%rdi: REX.W not taken
  CHECK(Len({0x8b, 0x04, 0x24}) == 0);                    // mov (%rsp),%eax
  CHECK(Len({0x41, 0x8b, 0x3c, 0x24}) == 0);              // mov (%r12),%edi: another base
  CHECK(Len({0x48, 0x8d, 0x3d, 1, 0, 0, 0}) == 0);        // lea: shape D's, not carried
  CHECK(Len({0x48, 0x89}) == 0);                          // cut short
  CHECK(Len({0xbf, 1, 0}) == 0);
}

TEST_CASE("carried instructions: the look back from a syscall") {
  // ld.so's arch_prctl (both sites); libc's prlimit64; a cancellable
  // wrapper's loads.
  CHECK(Before({0xb8, 0x9e, 0, 0, 0, 0x48, 0x89, 0x1b, 0x48, 0x89, 0x5b, 0x10}) == 7);
  CHECK(Before({0xb8, 0x9e, 0, 0, 0, 0xbf, 0x02, 0x10, 0, 0, 0x48, 0x89, 0x5b, 0x10}) == 9);
  CHECK(Before({0xb8, 0x2e, 0x01, 0, 0, 0x31, 0xff}) == 2);
  CHECK(Before({0xb8, 0x2d, 0, 0, 0, 0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x8b, 0x3c, 0x24}) == 8);
  // Not ending at the syscall, nothing carried, four of them, or a byte
  // that is no listed form in between: none.
  CHECK(Before({0xb8, 0x01, 0, 0, 0}) == 0);
  CHECK(Before({0xb8, 0x01, 0, 0, 0, 0x31, 0xff, 0x31, 0xf6, 0x31, 0xd2, 0x45, 0x31, 0xd2}) == 0);
  CHECK(Before({0xb8, 0x01, 0, 0, 0, 0x48, 0x89, 0xc7}) == 0);
  // junction's vDSO clock_gettime fallback: xor, then a register move.
  CHECK(Before({0xb8, 0xe4, 0, 0, 0, 0x31, 0xd2, 0x4c, 0x89, 0xff}) == 5);
  // libc's openat (a move from %rdi, then %rdi written); a store, then its
  // source zeroed.
  CHECK(Before({0xb8, 0x01, 0x01, 0, 0, 0x48, 0x89, 0xfe, 0xbf, 0x9c, 0xff, 0xff, 0xff}) == 0);
  CHECK(Before({0xb8, 0x01, 0, 0, 0, 0x48, 0x89, 0x7b, 0x10, 0x31, 0xff}) == 0);
  CHECK(Before({0xb8, 0x01, 0, 0, 0, 0x31, 0xff, 0x48, 0x89, 0x7b, 0x10}) == 6);
  CHECK(Before({0xb8, 0x01, 0, 0, 0, 0x90, 0x31, 0xff}) == 0);
}

}  // namespace
}  // namespace junction::libos
