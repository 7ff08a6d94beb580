#include "libos/entry/carried_insns.h"

namespace junction::libos {

namespace {

constexpr uintptr_t kPage = 4096;
constexpr unsigned kRax = 0, kRsp = 4;
constexpr size_t kMaxBytes = 12;
constexpr int kMaxInsns = 3;

// A REX prefix's bits: W 8, R 4, X 2, B 1.
bool IsRex(uint8_t b) { return (b & 0xf0) == 0x40; }

}  // namespace

size_t CarriedInsnAt(const uint8_t* p, const uint8_t* end, uint32_t* reads, uint32_t* writes) {
  uint32_t unused_r, unused_w;
  if (!reads) reads = &unused_r;
  if (!writes) writes = &unused_w;
  *reads = *writes = 0;
  const long avail = end - p;
  if (avail <= 0) return 0;
  size_t n = 0;
  uint8_t rex = 0;
  if (IsRex(p[0])) {
    rex = p[0];
    n = 1;
  }
  if (avail < static_cast<long>(n + 1)) return 0;
  const uint8_t op = p[n];
  // mov $imm32,%r32 (b8+r): not %eax, not %esp; no REX.W (that would be a
  // 64-bit immediate), REX.B picks r8d-r15d.
  if (op >= 0xb8 && op <= 0xbf) {
    if (rex & 0xe) return 0;
    unsigned r = (op - 0xb8) | ((rex & 1) << 3);
    if (r == kRax || r == kRsp) return 0;
    *writes = 1u << r;
    return avail >= static_cast<long>(n + 5) ? n + 5 : 0;
  }
  if (op != 0x8b && op != 0x89 && op != 0x31) return 0;
  if (rex & 2) return 0;  // REX.X: an index register
  if (avail < static_cast<long>(n + 2)) return 0;
  const uint8_t modrm = p[n + 1], mod = modrm >> 6;
  const unsigned reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
  const unsigned rm = (modrm & 7) | ((rex & 1) << 3);
  if (reg == kRax || reg == kRsp) return 0;
  if (op == 0x8b) {
    // mov [disp8](%rsp),%reg: a load from the site's stack.
    if (rex & 1) return 0;  // REX.B: another base
    if ((modrm & 7) != 4 || avail < static_cast<long>(n + 3) || p[n + 2] != 0x24) return 0;
    *writes = 1u << reg;
    if (mod == 0) return n + 3;
    if (mod == 1 && avail >= static_cast<long>(n + 4)) return n + 4;
    return 0;
  }
  if (op == 0x31) {
    // xor %r32,%r32 of one register (zeroes it); the flags it sets, the
    // mov $nr it now runs before leaves as they are.
    if ((rex & 8) || mod != 3 || reg != rm) return 0;
    *writes = 1u << reg;
    return n + 2;
  }
  // 89 with mod 11: mov %reg,%rm, a register-to-register move (junction's
  // vDSO's clock_gettime fallback, `mov %r15,%rdi`), not into %rax or %rsp.
  if (mod == 3) {
    if (rm == kRax || rm == kRsp) return 0;
    *reads = 1u << reg;
    *writes = 1u << rm;
    return n + 2;
  }
  // 89: mov %reg,[disp8](%base).
  if (rm == kRax) return 0;
  if ((modrm & 7) == 4) return 0;               // a SIB byte
  if (mod == 0 && (modrm & 7) == 5) return 0;   // RIP-relative
  *reads = (1u << reg) | (1u << rm);
  if (mod == 0) return n + 2;
  if (mod == 1 && avail >= static_cast<long>(n + 3)) return n + 3;
  return 0;
}

size_t CarriedInsnsBefore(uintptr_t syscall_at) {
  const auto* end = reinterpret_cast<const uint8_t*>(syscall_at);
  for (size_t len = 2; len <= kMaxBytes; len++) {
    uintptr_t mov = syscall_at - len - 5;
    if ((mov & ~(kPage - 1)) != (syscall_at & ~(kPage - 1))) break;
    const auto* p = reinterpret_cast<const uint8_t*>(mov);
    if (p[0] != 0xb8) continue;
    const uint8_t* q = p + 5;
    int count = 0;
    uint32_t read_before = 0;
    while (q < end && count < kMaxInsns) {
      uint32_t reads, writes;
      size_t l = CarriedInsnAt(q, end, &reads, &writes);
      // None writes a register an earlier one read: the copies then give
      // the same result however often they run from the first.
      if (l == 0 || (writes & read_before)) break;
      read_before |= reads;
      q += l;
      count++;
    }
    if (q == end && count > 0) return len;
  }
  return 0;
}

}  // namespace junction::libos
