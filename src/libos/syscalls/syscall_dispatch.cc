// The hot path from junction_syscall_entry. Compiled with
// -mgeneral-regs-only: until the guest's vector state is saved, no LibOS
// code may touch a vector register, and %fs still belongs to the guest.
#include "libos/entry/thread_state.h"
#include "libos/signals/delivery.h"
#include "libos/syscalls/syscall_table.h"

namespace junction::libos {

bool g_strace_enabled = false;

namespace {

// XSAVEOPT: components in their initial state, or unchanged since the
// last XRSTOR from this area, are not written again.
inline void Xsave(uint8_t* area, uint64_t mask) {
  asm volatile("xsaveopt64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(mask)),
               "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}

inline void Xrstor(uint8_t* area, uint64_t mask) {
  asm volatile("xrstor64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(mask)),
               "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}

// Out of line: saves the guest's vector state and switches %fs to the
// LibOS's TLS so the handler may use libc.
[[gnu::noinline]] long DispatchSlow(SyscallArgs* args, ThreadState* ts) {
  Xsave(ts->xsave_area, ts->xsave_mask);
  ts->guest_fs = ReadFsBase();
  WriteFsBase(ts->libos_fs);
  long ret = DispatchWithLibc(*args);
  // The handler may have blocked and this uthread resumed on another kthread.
  ts = CurrentThread();
  WriteFsBase(ts->guest_fs);  // arch_prctl(ARCH_SET_FS) updates guest_fs
  Xrstor(ts->xsave_area, ts->xsave_mask);
  return ret;
}

}  // namespace

[[noreturn]] void DeliverOnExit(GuestExitRegs* regs);  // delivery.cc

}  // namespace junction::libos

// From junction_signal_exit: save the guest's vector state and take the
// LibOS's TLS before any ordinary LibOS code runs.
extern "C" void junction_deliver_on_exit(junction::libos::GuestExitRegs* regs) {
  using namespace junction::libos;
  ThreadState* ts = CurrentThread();
  Xsave(ts->xsave_area, ts->xsave_mask);
  ts->guest_fs = ReadFsBase();
  WriteFsBase(ts->libos_fs);
  DeliverOnExit(regs);
}

extern "C" long junction_dispatch(junction::libos::SyscallArgs* args) {
  using namespace junction::libos;
  ThreadState* ts = CurrentThread();
  ts->cur_syscall = args->nr;
  const SyscallEntry& e = LookupSyscall(args->nr);
  if ((e.flags & kFast) && !g_strace_enabled) [[likely]] {
    return e.handler(*args);
  }
  return DispatchSlow(args, ts);
}
