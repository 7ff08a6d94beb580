// The hot path from junction_syscall_entry. Compiled with
// -mgeneral-regs-only: until the guest's vector state is saved, no LibOS
// code may touch a vector register, and %fs still belongs to the guest
// (libos/entry/libos_context.h).
#include <sys/syscall.h>

#include "libos/entry/libos_context.h"
#include "libos/entry/rewrite.h"
#include "libos/entry/thread_state.h"
#include "libos/entry/safe_copy.h"
#include "libos/signals/delivery.h"
#include "libos/signals/signal_state.h"
#include "libos/syscalls/syscall_table.h"
#include "sched/guest_vectors.h"

namespace junction::libos {

bool g_strace_enabled = false;

extern "C" void junction_trap_return();

namespace {

// A trapped read (it resumes through junction_trap_return) whose site
// another thread rewrote meanwhile as shape B would resume inside the new
// jump (rewrite.cc): move its resume point. Only reads have that shape;
// the byte check keeps the common case to three loads.
// The guest's stack may be unmapped by now (the exit then ends the thread,
// syscall_entry.S): read and written fault-tolerantly.
inline void FixTrappedReadResume(ThreadState* ts) {
  auto* ret = reinterpret_cast<uintptr_t*>(ts->guest_rsp + 8);
  uintptr_t saved[2];
  if (!SafeCopy(saved, ret, sizeof(saved))) return;
  if (saved[0] != reinterpret_cast<uintptr_t>(&junction_trap_return)) return;
  uint8_t opcode;
  if (!SafeCopy(&opcode, reinterpret_cast<const void*>(saved[1] - 4), 1) || opcode != 0xe9) [[likely]] return;
  EnterLibos(ts);
  uintptr_t resume = TrapResumeAfterRewrite(saved[1]);
  (void)SafeCopy(&ret[1], &resume, sizeof(resume));
}

// Out of line: the handler runs in the LibOS context so it may use libc.
[[gnu::noinline]] long DispatchSlow(SyscallArgs* args, ThreadState* ts) {
  ts->in_libos = 0;  // the guest's registers are live at every entry
  if (args->nr == SYS_exit) EnterLibosForExit(ts, sched::X87Initial());
  else EnterLibos(ts);
  long ret = DispatchWithLibc(*args);
  // The handler may have blocked and this uthread resumed on another
  // kthread, whose cur_syscall is another call's: a restart needs ours.
  ts = CurrentThread();
  ts->cur_syscall = args->nr;
  // EINTR for a signal that another kthread's host handler queued (poll,
  // select, epoll_wait, sigsuspend and signalfd reads check before they
  // sleep): this kthread's flag may not say so, and the guest would see
  // EINTR without its handler and, retrying, spin. Only with a signal to
  // take: an EINTR from the host alone must not force restarts.
  if (ret == -EINTR && DeliverableSignals()) ts->signal_pending = 1;
  if (args->nr == 0) FixTrappedReadResume(ts);
  LeaveLibos(ts);
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
  ts->in_libos = 0;  // the guest's registers are live here
  // The guest resumes from the delivery's context, not by the exit's jump:
  // the next ordinary exit returns by `ret` (syscall_entry.S, TS_RSB_SPOILT).
  ts->rsb_spoilt = 0;
  EnterLibos(ts);
  DeliverOnExit(regs);
}

extern "C" long junction_dispatch(junction::libos::SyscallArgs* args) {
  using namespace junction::libos;
  ThreadState* ts = CurrentThread();
  ts->cur_syscall = args->nr;
  const SyscallEntry& e = LookupSyscall(args->nr);
  if ((e.flags & (kFast | kLazy)) && !g_strace_enabled) [[likely]] {
    if (e.flags & kFast) return e.handler(*args);
    ts->in_libos = 0;
    // A tail call: the handler returns to junction_syscall_entry, which
    // finishes the call (junction_lazy_finish) when it sees the mark.
    LazyCallMark(args) = 1;
    return e.handler(*args);
  }
  return DispatchSlow(args, ts);
}

// From junction_syscall_entry after a lazy handler, when the call was a
// read or the handler entered the LibOS context (cur_syscall is set).
extern "C" long junction_lazy_finish(long ret, junction::libos::SyscallArgs* args) {
  using namespace junction::libos;
  ThreadState* ts = CurrentThread();
  if (args->nr == 0) FixTrappedReadResume(ts);
  if (ts->in_libos) LeaveLibos(ts);
  return ret;
}
