// The complete user-visible register state of a guest thread at a point
// where it can be resumed: general registers, flags, and the XSAVE image
// (kept in the ThreadState's xsave area).
#pragma once

#include <cstdint>

namespace junction::libos {

// Order matters: junction_resume_guest (syscall_entry.S) reads it.
struct GuestContext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
};

}  // namespace junction::libos

// Loads `ctx` into the registers and continues the guest there (iretq, so
// the guest stack below ctx->rsp is not touched). The caller has restored
// the vector state and %fs.
extern "C" [[noreturn]] void junction_resume_guest(const junction::libos::GuestContext* ctx);
