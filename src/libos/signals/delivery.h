// Signal delivery to the guest with Linux semantics: a kernel-layout
// rt_sigframe on the guest stack (or its sigaltstack), the handler entered
// with the initial FPU state, rt_sigreturn restoring what the handler left
// in the frame, and the restart rules for interrupted system calls.
//
// Three ways in: the syscall exit path (a signal became pending while the
// LibOS ran), the host signal handler (a signal arrived while guest code
// ran), and rt_sigreturn (a signal unblocked by the restored mask).
#pragma once

#include <cstdint>

#include "libos/signals/guest_context.h"

namespace junction::libos {

struct ThreadState;

// The guest's registers as junction_signal_exit saved them.
struct GuestExitRegs {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

// How to restart the system call that was interrupted, if any.
struct RestartPoint {
  long nr = -1;          // -1: no system call to restart
  long result = 0;       // what it returned (-EINTR to be considered)
  uint64_t rip = 0;      // where to resume to re-issue it
};

// Delivers every deliverable pending signal by building frames into `ctx`
// (nesting them as Linux does). Returns true if a handler will run (the
// caller then loads the initial FPU state). Terminating signals end the
// process here. Needs no TLS. `xsave` is the guest's current XSAVE image.
// `in_host_handler`: called from a host signal handler (no locks may be
// taken: timer signals are left for later).
// In a kthread's host signal handler: if its uthread waits in an
// abortable host call (HostWaitCall) that another thread's exec ends, or
// an interruptible one with a signal it may take now, the call returns
// -EINTR: one the kernel restarts after the handler is rewound to its
// syscall instruction, so it ends there, as anywhere in the stub before
// it; before the stub, the stub finds host_wait_abort set. True if the
// call was ended here.
bool EndInterruptedHostWait(void* ucv);

bool DeliverPendingSignals(GuestContext& ctx, const RestartPoint& restart,
                           bool in_host_handler = false);

// The guest rsp at the moment of its syscall, and its resume point, from
// the state junction_syscall_entry saved. Sets *trap_path for trapped calls.
// False if that state on the guest's stack cannot be read (another thread
// unmapped the stack).
bool GuestCallSite(const ThreadState* ts, uint64_t* rsp, uint64_t* rip, uint64_t* flags,
                   bool* trap_path);

// The state a clone/fork child resumes with: the caller's registers at its
// system call (from the entry frame `f`, a SyscallFrame), rax = 0, and
// %rsp moved to `new_stack` (0 = the caller's own stack). False if the
// caller's stack cannot be read (GuestCallSite).
bool ChildContextAtSyscall(const void* syscall_frame, uint64_t new_stack, GuestContext* ctx);

// The end of a thread whose stack is gone on its way back to the guest:
// killed by SIGSEGV with its default action (no frame can be written), as
// Linux ends one whose return faults; or ended by the exec that is under way.
[[noreturn]] void GuestStackLost();

// Delivers pending signals into ctx, then resumes the guest there (vector
// state from the ThreadState's area, %fs from guest_fs). LibOS TLS active.
[[noreturn]] void ResumeGuestWithSignals(GuestContext& ctx);

// rt_sigreturn, entered from the slow dispatch path. Does not return.
[[noreturn]] void SigreturnAndResume();

}  // namespace junction::libos

extern "C" [[noreturn]] void junction_deliver_on_exit(junction::libos::GuestExitRegs* regs);
