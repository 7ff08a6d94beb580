// The kernel's signal-frame structures on x86-64, as user space sees them
// (arch/x86/include/uapi/asm/sigcontext.h, asm-generic/ucontext.h, the
// rt_sigframe layout of arch/x86/kernel/signal_64.c). Handlers in Go, the
// JVM and CPython read and edit these, so the layout must be exact.
#pragma once

#include <signal.h>

#include <cstddef>
#include <cstdint>

namespace junction::libos {

struct KernelSigcontext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;  // guest address of the XSAVE image
  uint64_t reserved1[8];
};
static_assert(sizeof(KernelSigcontext) == 256);

struct KernelStack {
  uint64_t ss_sp;
  int32_t ss_flags;
  int32_t pad;
  uint64_t ss_size;
};
static_assert(sizeof(KernelStack) == 24);

struct KernelUcontext {
  uint64_t uc_flags;
  uint64_t uc_link;
  KernelStack uc_stack;
  KernelSigcontext uc_mcontext;
  uint64_t uc_sigmask;
};
static_assert(sizeof(KernelUcontext) == 304);

struct RtSigframe {
  uint64_t pretcode;  // the handler returns here (sa_restorer)
  KernelUcontext uc;
  siginfo_t info;
  // 64-byte aligned XSAVE image follows (not necessarily adjacent).
};
static_assert(offsetof(RtSigframe, uc) == 8);
static_assert(offsetof(RtSigframe, info) == 312);

inline constexpr uint64_t kUcFpXstate = 0x1;
inline constexpr uint64_t kUcSigcontextSs = 0x2;
inline constexpr uint64_t kUcStrictRestoreSs = 0x4;
inline constexpr uint32_t kFpXstateMagic1 = 0x46505853;
inline constexpr uint32_t kFpXstateMagic2 = 0x46505845;
inline constexpr uint16_t kUserCs = 0x33;
inline constexpr uint16_t kUserDs = 0x2b;
inline constexpr size_t kSwBytesOffset = 464;  // struct _fpx_sw_bytes in the legacy area

// The software-reserved bytes at the end of the legacy FXSAVE area.
struct FpxSwBytes {
  uint32_t magic1;
  uint32_t extended_size;  // xstate_size + sizeof(magic2)
  uint64_t xfeatures;
  uint32_t xstate_size;
  uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

// The kernel's struct sigaction.
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

inline constexpr uint64_t kSaRestorer = 0x04000000;
inline constexpr int32_t kSsAutodisarm = 1 << 31;

}  // namespace junction::libos
