// The instructions a rewritten syscall site may carry between its
// `mov $nr,%eax` and its `syscall` (shape F, rewrite.cc). The rewrite turns
// the mov into a jump to a trampoline that runs copies of them at the
// site's %rsp, then sets %eax and makes the call; the originals stay in
// place (a branch straight to them still reaches the syscall, which traps).
// Running them before the mov instead of after it is the same only if
// none reads or writes %rax, none writes %rsp, and none depends on where
// it sits (no RIP-relative operand). So only these, decoded exactly:
//   mov [disp8](%rsp),%reg        [REX.W/R] 8b modrm(rm=100) 24 [disp8]
//   mov %reg,[disp8](%base)       [REX.W/R/B] 89 modrm(mod=00|01, rm not 100/SIB, not RIP)
//   mov %reg,%reg                 [REX.W/R/B] 89 modrm(mod=11)
//   mov $imm32,%r32               [REX.B] b8+r imm32
//   xor %r32,%r32 (same register) [REX.R+B] 31 modrm(mod=11)
// and no instruction may write a register an earlier one read. ld.so's
// arch_prctl (`mov %rbx,(%rbx); mov %rbx,0x10(%rbx)`), libc's prlimit64
// (`xor %edi,%edi`), glibc's cancellable wrappers (stack loads), junction's
// vDSO fallbacks (`xor %edx,%edx; mov %r15,%rdi`: execve restores the
// vDSO, RestoreVdsoForExec, whose rewritten sites lost their trampolines;
// the crash that kept register moves out until then). Unit test:
// tests/unit/rewrite_carried_insns_test.cc.
#pragma once

#include <cstddef>
#include <cstdint>

namespace junction::libos {

// Length of the carried instruction at p (not reaching past `end`), or 0;
// the registers it reads and writes as bit masks (bit n: register n).
size_t CarriedInsnAt(const uint8_t* p, const uint8_t* end, uint32_t* reads = nullptr,
                     uint32_t* writes = nullptr);

// The bytes of one to three carried instructions that end exactly at
// `syscall_at` and follow a `mov $imm32,%eax` (all within syscall_at's
// page, at most 12 bytes), or 0.
size_t CarriedInsnsBefore(uintptr_t syscall_at);

}  // namespace junction::libos
