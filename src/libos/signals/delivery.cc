#include "libos/signals/delivery.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "libos/net/daemon_link.h"
#include "libos/entry/rewrite.h"
#include "libos/entry/safe_copy.h"
#include "libos/entry/split_patch.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/mm/address_space.h"
#include "libos/process.h"
#include "libos/signals/kernel_abi.h"
#include "libos/signals/remote_thread_signal.h"
#include "libos/signals/rseq.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "libos/syscalls/syscall_table.h"
#include "sched/kthread.h"
#include "sched/preempt.h"

extern "C" {
void junction_trap_return();
extern const char junction_trap_return_lea[], junction_trap_return_jmp[];
extern const char junction_exit_jnz[], junction_exit_popf[], junction_exit_ret[], junction_exit_jmp[];
extern const char junction_exit_ret_only[];
extern const char __executable_start[];
extern const char junction_exit_slow[], junction_exit_slow_popf[], junction_exit_slow_ret[];
}

namespace junction::libos {

namespace {

constexpr uint64_t kRedZone = 128;
// Flags a handler's sigreturn may change (the kernel's FIX_EFLAGS).
constexpr uint64_t kUserFlags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 |
                                0x10000;

// A word of the guest's stack, which another thread may have unmapped.
bool LoadGuest64(uint64_t addr, uint64_t* v) { return SafeCopy(v, reinterpret_cast<const void*>(addr), sizeof(*v)); }

// Loads the initial FPU state into the XSAVE image (what a handler and a
// new program start with).
void InitXsaveImage(ThreadState* ts) {
  std::memset(ts->xsave_area, 0, 576);
  uint16_t fcw = 0x37f;
  uint32_t mxcsr = 0x1f80;
  std::memcpy(ts->xsave_area, &fcw, sizeof(fcw));
  std::memcpy(ts->xsave_area + 24, &mxcsr, sizeof(mxcsr));
}

// rt_sigreturn's FPU state at `fpstate` into the thread's XSAVE image, as
// the kernel's fpu__restore_sig would XRSTOR it: false where that faults
// (the process then dies by SIGSEGV). The software-reserved bytes decide
// the format: a bad magic1 or size restores the legacy FXSAVE area alone
// (FXRSTOR), the other components to their initial state; else XRSTOR of
// the components in both fx_sw.xfeatures and XCR0, the rest initialised.
// XRSTOR (standard form) faults on an XSTATE_BV bit outside XCR0 or a
// nonzero XCOMP_BV/first reserved word, and both on MXCSR reserved bits.
bool LoadSigreturnXstate(ThreadState* ts, uint64_t fpstate) {
  const uint64_t xs = ts->xsave_size;
  if (!AddressSpace::Get().IsGuestRange(fpstate, 512, PROT_READ) || (fpstate & 63)) return false;
  FpxSwBytes sw;
  if (!SafeCopy(&sw, reinterpret_cast<const void*>(fpstate + kSwBytesOffset), sizeof(sw)))
    return false;
  bool fx_only = sw.magic1 != kFpXstateMagic1 || sw.xstate_size < 576 || sw.xstate_size > xs ||
                 sw.xstate_size > sw.extended_size;
  if (!fx_only) {
    uint32_t magic2;
    if (!AddressSpace::Get().IsGuestRange(fpstate + sw.xstate_size, sizeof(magic2), PROT_READ) ||
        !SafeCopy(&magic2, reinterpret_cast<const void*>(fpstate + sw.xstate_size), sizeof(magic2)))
      return false;
    fx_only = magic2 != kFpXstateMagic2;
  }
  uint8_t* area = ts->xsave_area;
  uint64_t* hdr = reinterpret_cast<uint64_t*>(area + 512);
  if (fx_only) {
    if (!SafeCopy(area, reinterpret_cast<const void*>(fpstate), 512)) return false;
    std::memset(area + 512, 0, 64);
    hdr[0] = ts->xsave_mask & 3;  // x87 and SSE from the legacy area; the rest initial
  } else {
    if (!AddressSpace::Get().IsGuestRange(fpstate, xs, PROT_READ) ||
        !SafeCopy(area, reinterpret_cast<const void*>(fpstate), xs))
      return false;
    // The fault is XCR0's, not what this process may use: a dynamic
    // component (AMX tile data) it has no permission for is set in XCR0 and
    // simply not restored, as Linux leaves it out of the XRSTOR mask.
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    uint64_t xcr0 = uint64_t{hi} << 32 | lo;
    if ((hdr[0] & ~xcr0) || hdr[1] || hdr[2]) return false;
    hdr[0] &= ts->xsave_mask & sw.xfeatures;  // components not restored: initial state
  }
  // MXCSR_MASK is 0xffff on every CPU with XSAVE (DAZ supported).
  uint32_t mxcsr;
  std::memcpy(&mxcsr, area + 24, sizeof(mxcsr));
  return (mxcsr & ~0xffffu) == 0;
}

// A futex wait with a timeout: Linux returns ERESTART_RESTARTBLOCK (EINTR
// once a handler runs, restarted otherwise), not ERESTARTSYS.
bool TimedFutexWait(const GuestContext& ctx) {
  int cmd = static_cast<int>(ctx.rsi) & FUTEX_CMD_MASK;
  return (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && ctx.r10 != 0;
}

bool Restartable(long nr, const GuestContext& ctx, bool handler_ran, bool sa_restart) {
  if (nr == SYS_futex && TimedFutexWait(ctx)) return !handler_ran;
  switch (nr) {
    case SYS_read: case SYS_write: case SYS_readv: case SYS_writev: case SYS_pread64:
    case SYS_pwrite64: case SYS_preadv: case SYS_pwritev: case SYS_open: case SYS_openat: case SYS_openat2:
    case SYS_wait4: case SYS_waitid: case SYS_ioctl: case SYS_flock: case SYS_fcntl:
    case SYS_futex: case SYS_futex_waitv: case SYS_accept: case SYS_accept4: case SYS_connect: case SYS_recvfrom:
    case SYS_sendto: case SYS_recvmsg: case SYS_sendmsg: case SYS_sendfile: case SYS_splice:
      return !handler_ran || sa_restart;  // ERESTARTSYS
    case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6: case SYS_epoll_wait:
    case SYS_epoll_pwait: case SYS_epoll_pwait2: case SYS_nanosleep:
      return !handler_ran;  // ERESTARTNOHAND; ERESTART_RESTARTBLOCK for nanosleep
    case SYS_clock_nanosleep: {
      // Wall and monotonic clocks; a CPU-time clock's sleep still ends with EINTR.
      auto clock = static_cast<int>(ctx.rdi);
      return !handler_ran && clock >= 0 && clock != CLOCK_PROCESS_CPUTIME_ID &&
             clock != CLOCK_THREAD_CPUTIME_ID;
    }
    default:
      return false;
  }
}

}  // namespace

// Also for a guest's int3 with no handler (entry/sigsys.cc).
[[noreturn]] void TerminateBySignal(int sig) {
  StraceFlush();
  DefaultAction what = DefaultActionOf(sig);
  if (what == DefaultAction::kTerminate || what == DefaultAction::kCore) {
    ReleaseProcessRobustFutexes();
    proc::OnProcessExit();  // processes issue: the container ends with its first process
    // Its sockets close as at any exit (Linux closes a killed process's too).
    net::ReleaseSharedConnectionsAtExit();
    net::HandOverConnectionsAtExit();
  }
  KernelSigaction dfl{};
  dfl.flags = kSaRestorer;
  dfl.restorer = reinterpret_cast<uint64_t>(&junction_host_sigreturn);
  host::Syscall(SYS_rt_sigaction, sig, host::L(&dfl), 0, 8);
  uint64_t none = 0;
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&none), 0, 8);
  // To this host thread, which takes it now (default action, nothing
  // blocked): the main one may have it blocked meanwhile, and then the exit
  // below said 128+sig where the parent must see death by the signal
  // (Go's os.TestStdPipe: a child's SIGPIPE on stdout came back as 141).
  int pid = CurrentProcess().host_pid;
  host::Syscall(SYS_tgkill, pid, host::Syscall(SYS_gettid), sig);
  host::ExitGroup(128 + sig);
}

namespace {

// Builds one rt_sigframe for `sig` and points `ctx` at the handler.
// Returns false if the guest stack cannot hold it.
bool BuildFrame(GuestContext& ctx, int sig, const siginfo_t& info, const KernelSigaction& act) {
  ThreadState* ts = CurrentThread();
  KernelStack& alt = AltStack();
  const uint64_t blocked = BlockedMask();
  bool alt_enabled = !(alt.ss_flags & SS_DISABLE) && alt.ss_size != 0;
  bool on_alt = alt_enabled && ctx.rsp > alt.ss_sp && ctx.rsp <= alt.ss_sp + alt.ss_size;
  uint64_t sp = ctx.rsp - kRedZone;
  bool entering_alt = (act.flags & SA_ONSTACK) && alt_enabled && !on_alt;
  if (entering_alt) sp = alt.ss_sp + alt.ss_size;
  const uint64_t xs = ts->xsave_size;
  uint64_t fp = (sp - xs - 4) & ~uint64_t{63};
  uint64_t frame = ((fp - sizeof(RtSigframe)) & ~uint64_t{15}) - 8;
  if (!(act.flags & kSaRestorer)) return false;  // x86-64 needs a restorer
  // As Linux: a frame that would run off the bottom of the alternate stack
  // it goes on is not written (over whatever lies below); SIGSEGV instead.
  if ((on_alt || entering_alt) && frame <= alt.ss_sp) return false;
  if (!AddressSpace::Get().IsGuestRange(frame, fp + xs + 4 - frame, PROT_WRITE)) return false;

  // The interrupted FPU state, with the software-reserved bytes that say
  // an XSAVE image follows.
  // Fault-tolerant stores (a stack page past a mapped file's end, or
  // unmapped by another thread): false, and the thread gets SIGSEGV as on
  // Linux.
  auto* fpbytes = reinterpret_cast<uint8_t*>(fp);
  FpxSwBytes sw{kFpXstateMagic1, static_cast<uint32_t>(xs + 4), ts->xsave_mask,
                static_cast<uint32_t>(xs), {}};
  uint32_t magic2 = kFpXstateMagic2;
  if (!SafeCopy(fpbytes, ts->xsave_area, xs) || !SafeCopy(fpbytes + kSwBytesOffset, &sw, sizeof(sw)) ||
      !SafeCopy(fpbytes + xs, &magic2, sizeof(magic2)))
    return false;

  RtSigframe f{};
  f.pretcode = act.restorer;
  f.uc.uc_flags = kUcFpXstate | kUcSigcontextSs | kUcStrictRestoreSs;
  f.uc.uc_stack.ss_sp = alt.ss_sp;
  f.uc.uc_stack.ss_size = alt.ss_size;
  f.uc.uc_stack.ss_flags = alt.ss_flags;  // as set (Linux's __save_altstack), not whether on it
  KernelSigcontext& m = f.uc.uc_mcontext;
  m.r8 = ctx.r8; m.r9 = ctx.r9; m.r10 = ctx.r10; m.r11 = ctx.r11;
  m.r12 = ctx.r12; m.r13 = ctx.r13; m.r14 = ctx.r14; m.r15 = ctx.r15;
  m.rdi = ctx.rdi; m.rsi = ctx.rsi; m.rbp = ctx.rbp; m.rbx = ctx.rbx;
  m.rdx = ctx.rdx; m.rax = ctx.rax; m.rcx = ctx.rcx; m.rsp = ctx.rsp;
  m.rip = ctx.rip; m.eflags = ctx.eflags;
  m.cs = kUserCs;
  m.ss = kUserDs;
  m.oldmask = blocked;
  m.fpstate = fp;
  if (sig == SIGSEGV || sig == SIGBUS) m.cr2 = reinterpret_cast<uint64_t>(info.si_addr);
  // After rt_sigsuspend the handler's sigreturn restores the caller's mask.
  auto* self = static_cast<sched::Uthread*>(ts->current);
  f.uc.uc_sigmask = self && self->restore_mask ? self->saved_mask : blocked;
  if (self) self->restore_mask = false;
  f.info = info;
  if (!SafeCopy(reinterpret_cast<void*>(frame), &f, sizeof(f))) return false;

  if (entering_alt && (alt.ss_flags & kSsAutodisarm)) alt = {0, SS_DISABLE, 0, 0};
  uint64_t mask = blocked | act.mask;
  if (!(act.flags & SA_NODEFER)) mask |= SigBit(sig);
  if (act.flags & SA_RESETHAND) SetGuestAction(sig, KernelSigaction{});
  SetGuestMask(mask);

  ctx.rsp = frame;
  ctx.rip = act.handler;
  ctx.rdi = static_cast<uint64_t>(sig);
  ctx.rsi = frame + offsetof(RtSigframe, info);
  ctx.rdx = frame + offsetof(RtSigframe, uc);
  ctx.rax = 0;
  ctx.eflags &= ~uint64_t{0x400 | 0x100 | 0x10000};  // DF, TF, RF
  return true;
}

}  // namespace

bool DeliverPendingSignals(GuestContext& ctx, const RestartPoint& restart, bool in_host_handler) {
  GuestSignals& s = Signals();
  bool handler_ran = false;
  bool restart_considered = false;
  uint64_t deferred = 0;
  // Another thread's exec ends this one: never back to guest code. A host
  // handler interrupted guest code: the preemption tick (the flag makes
  // it preempt) brings the thread here from the LibOS.
  if (ExecEndsCurrentThread()) {
    if (!in_host_handler) EndThreadForExec();
    CurrentThread()->signal_pending = 1;
    return false;
  }
  // A signal interrupting an rseq critical section aborts it first; the
  // descriptor cannot be checked from a host signal handler, so delivery
  // waits for the next LibOS exit or preemption tick then.
  if (auto* cur = static_cast<sched::Uthread*>(CurrentThread()->current); cur && DeliverableSignals()) {
    if (in_host_handler) {
      if (RseqInCriticalSection(cur)) {
        CurrentThread()->signal_pending = 1;
        return false;
      }
    } else if (!RseqFixup(cur, ctx)) {
      TerminateBySignal(SIGSEGV);
    }
  }
  for (;;) {
    uint64_t deliverable = DeliverableSignals() & ~deferred;
    if (!deliverable) break;
    int sig = __builtin_ctzll(deliverable) + 1;
    // Thread-directed first, as Linux does.
    auto* self = static_cast<sched::Uthread*>(CurrentThread()->current);
    siginfo_t info;
    // A timer's signal re-arms its timer when taken, which takes locks:
    // not from a host signal handler (it waits for the next LibOS exit or
    // preemption tick, which the pending flag brings).
    if (in_host_handler && PeekPendingSignal(self, sig, &info) && info.si_code == SI_TIMER) {
      deferred |= SigBit(sig);
      continue;
    }
    // One instance: a real-time signal's next one stays pending.
    if (!TakePendingSignal(self, sig, &info)) continue;  // another thread took it
    if (!TakeSignalInfo(info)) continue;  // a re-set or deleted timer's
    KernelSigaction act = s.actions[sig];
    if (act.handler == reinterpret_cast<uint64_t>(SIG_IGN)) continue;
    if (act.handler == reinterpret_cast<uint64_t>(SIG_DFL)) {
      DefaultAction d = DefaultActionOf(sig);
      if (d == DefaultAction::kIgnore || d == DefaultAction::kContinue) continue;
      TerminateBySignal(sig);  // stop signals, too, are left to the host
    }
    // The interrupted system call: restart it or let it fail with EINTR.
    if (!restart_considered && restart.nr >= 0 && restart.result == -EINTR) {
      restart_considered = true;
      if (Restartable(restart.nr, ctx, true, act.flags & SA_RESTART)) {
        ctx.rax = static_cast<uint64_t>(restart.nr);
        ctx.rip = restart.rip;
      }
    }
    if (!BuildFrame(ctx, sig, info, act)) TerminateBySignal(SIGSEGV);
    handler_ran = true;
    // A handler runs before any re-issued call: no timed futex resumes.
    if (self) self->futex_restart_armed = self->sleep_restart_armed = false;
  }
  if (!restart_considered && restart.nr >= 0 && restart.result == -EINTR &&
      Restartable(restart.nr, ctx, false, false)) {
    ctx.rax = static_cast<uint64_t>(restart.nr);
    ctx.rip = restart.rip;
    // The re-issued timed futex wait keeps its first deadline.
    if (restart.nr == SYS_futex && TimedFutexWait(ctx))
      if (auto* self = static_cast<sched::Uthread*>(CurrentThread()->current)) self->futex_restart_armed = true;
    // A re-issued relative sleep ends when the first one would have.
    if (restart.nr == SYS_nanosleep || (restart.nr == SYS_clock_nanosleep && !(ctx.rsi & TIMER_ABSTIME)))
      if (auto* self = static_cast<sched::Uthread*>(CurrentThread()->current)) self->sleep_restart_armed = true;
  }
  // rt_sigsuspend whose signal ran no handler: its mask ends now.
  if (auto* self = static_cast<sched::Uthread*>(CurrentThread()->current);
      self && self->restore_mask) {
    self->restore_mask = false;
    SetGuestMask(self->saved_mask);
  }
  UpdatePendingFlag();
  if (deferred) CurrentThread()->signal_pending = 1;
  return handler_ran;
}

bool GuestCallSite(const ThreadState* ts, uint64_t* rsp, uint64_t* rip, uint64_t* flags,
                   bool* trap_path) {
  uint64_t g = ts->guest_rsp;
  uint64_t ret;
  if (!LoadGuest64(g, flags) || !LoadGuest64(g + 8, &ret)) return false;
  *trap_path = ret == reinterpret_cast<uint64_t>(&junction_trap_return);
  if (*trap_path) {
    if (!LoadGuest64(g + 16, rip)) return false;
    *rsp = g + 16 + 136;
  } else {
    *rip = ret;  // back into the trampoline, which restores the red zone
    *rsp = g + 16;
  }
  return true;
}

[[noreturn]] void GuestStackLost() {
  // Ended by another thread's exec, it never returns to the guest anyway.
  if (ExecEndsCurrentThread()) EndThreadForExec();
  TerminateBySignal(SIGSEGV);
}

bool ChildContextAtSyscall(const void* syscall_frame, uint64_t new_stack, GuestContext* out) {
  const auto& f = *static_cast<const SyscallFrame*>(syscall_frame);
  GuestContext& ctx = *out;
  ctx = GuestContext{};
  ctx.rdi = static_cast<uint64_t>(f.args.a[0]);
  ctx.rsi = static_cast<uint64_t>(f.args.a[1]);
  ctx.rdx = static_cast<uint64_t>(f.args.a[2]);
  ctx.r10 = static_cast<uint64_t>(f.args.a[3]);
  ctx.r8 = static_cast<uint64_t>(f.args.a[4]);
  ctx.r9 = static_cast<uint64_t>(f.args.a[5]);
  ctx.rbx = static_cast<uint64_t>(f.rbx);
  ctx.rbp = static_cast<uint64_t>(f.rbp);
  ctx.r12 = static_cast<uint64_t>(f.r12);
  ctx.r13 = static_cast<uint64_t>(f.r13);
  ctx.r14 = static_cast<uint64_t>(f.r14);
  ctx.r15 = static_cast<uint64_t>(f.r15);
  ctx.rax = 0;  // the child sees its clone/fork return 0
  uint64_t resume_rsp;
  bool trap_path;
  if (!GuestCallSite(CurrentThread(), &resume_rsp, &ctx.rip, &ctx.eflags, &trap_path)) return false;
  // Resuming inside a trampoline means %rsp is 128 below the call site's.
  uint64_t below_site = trap_path ? 0 : 128;
  ctx.rsp = new_stack ? new_stack - below_site : resume_rsp;
  ctx.rcx = ctx.rip;  // as after a real syscall
  ctx.r11 = ctx.eflags;
  return true;
}

[[noreturn]] static void ResumeGuest(GuestContext& ctx, bool handler_ran) {
  ThreadState* ts = CurrentThread();
  if (handler_ran) InitXsaveImage(ts);
  // Saved before another thread rewrote its site around it.
  ctx.rip = ResumeOutsideSplitPatch(ctx.rip);
  WriteFsBase(ts->guest_fs);
  asm volatile("xrstor64 (%0)" ::"r"(ts->xsave_area), "a"(static_cast<uint32_t>(ts->xsave_mask)),
               "d"(static_cast<uint32_t>(ts->xsave_mask >> 32))
               : "memory");
  junction_resume_guest(&ctx);
}

[[noreturn]] void ResumeGuestWithSignals(GuestContext& ctx) {
  bool handler_ran = DeliverPendingSignals(ctx, RestartPoint{});
  ResumeGuest(ctx, handler_ran);
}

[[noreturn]] void DeliverOnExit(GuestExitRegs* r) {
  // Preempted while in the LibOS: give the core away first.
  if (auto* u = sched::Current(); u && u->need_resched) {
    u->need_resched = false;
    sched::Yield();
  }
  ThreadState* ts = CurrentThread();
  GuestContext ctx{};
  ctx.r8 = r->r8; ctx.r9 = r->r9; ctx.r10 = r->r10; ctx.r11 = r->r11;
  ctx.r12 = r->r12; ctx.r13 = r->r13; ctx.r14 = r->r14; ctx.r15 = r->r15;
  ctx.rdi = r->rdi; ctx.rsi = r->rsi; ctx.rbp = r->rbp; ctx.rbx = r->rbx;
  ctx.rdx = r->rdx; ctx.rax = r->rax;
  bool trap_path;
  // Its stack unmapped meanwhile: on Linux the call returns and the
  // guest's next use of its stack faults, with no frame for a handler.
  if (!GuestCallSite(ts, &ctx.rsp, &ctx.rip, &ctx.eflags, &trap_path)) GuestStackLost();
  ctx.rcx = ctx.rip;  // as after a real syscall
  ctx.r11 = ctx.eflags;
  RestartPoint restart;
  restart.nr = ts->cur_syscall;
  restart.result = static_cast<long>(r->rax);
  // Re-issuing: the `syscall` instruction itself on the trap path, the
  // trampoline's 6-byte `call *entry(%rip)` (with %eax = nr) otherwise.
  restart.rip = trap_path ? TrapRestartAddress(ctx.rip) : ctx.rip - 6;
  bool handler_ran = DeliverPendingSignals(ctx, restart);
  ResumeGuest(ctx, handler_ran);
}

[[noreturn]] void SigreturnAndResume() {
  ThreadState* ts = CurrentThread();
  uint64_t rsp, rip, flags;
  bool trap_path;
  if (!GuestCallSite(ts, &rsp, &rip, &flags, &trap_path)) GuestStackLost();
  // The handler's `ret` popped pretcode: the ucontext is at rsp.
  KernelUcontext uc;
  if (!AddressSpace::Get().IsGuestRange(rsp, sizeof(uc), PROT_READ) ||
      !SafeCopy(&uc, reinterpret_cast<const void*>(rsp), sizeof(uc)))
    TerminateBySignal(SIGSEGV);
  const KernelSigcontext& m = uc.uc_mcontext;
  GuestContext ctx{m.r8, m.r9, m.r10, m.r11, m.r12, m.r13, m.r14, m.r15, m.rdi, m.rsi,
                   m.rbp, m.rbx, m.rdx, m.rax, m.rcx, m.rsp, m.rip,
                   (flags & ~kUserFlags) | (m.eflags & kUserFlags) | 0x202};
  if (m.fpstate) {
    if (!LoadSigreturnXstate(ts, m.fpstate)) TerminateBySignal(SIGSEGV);
  } else {
    InitXsaveImage(ts);
  }
  // restore_altstack: do_sigaltstack's checks against the restored %rsp,
  // a refusal (on that stack, bad flags, too small) silently ignored.
  (void)SetAltStack(uc.uc_stack, m.rsp);
  SetGuestMask(uc.uc_sigmask);
  bool handler_ran = DeliverPendingSignals(ctx, RestartPoint{});
  ResumeGuest(ctx, handler_ran);
}

// The host handler for every signal the guest handles. Runs on the LibOS's
// alternate stack, possibly with the guest's %fs: no TLS, no allocation.
bool EndInterruptedHostWait(void* ucv) {
  greg_t* regs = static_cast<ucontext_t*>(ucv)->uc_mcontext.gregs;
  auto at = static_cast<uintptr_t>(regs[REG_RIP]);
  bool in_stub = at >= host::AbortableStubAddress() && at <= host::AbortableSyscallAddress();
  bool signal_ends = SignalEndsHostWait();
  if (!in_stub) {
    if (signal_ends) CurrentThread()->host_wait_abort = 1;
    return false;
  }
  if (!signal_ends && !ExecEndsCurrentThread()) return false;
  regs[REG_RAX] = -EINTR;
  regs[REG_RIP] = static_cast<greg_t>(host::AbortableSyscallAddress() + 2);  // past the syscall instruction
  return true;
}

void HostSignalHandler(int sig, siginfo_t* info, void* ucv) {
  auto* uc = static_cast<ucontext_t*>(ucv);
  greg_t* g = uc->uc_mcontext.gregs;
  ThreadState* ts = CurrentThread();
  // For one thread, sent from another process: handed to it by the
  // scheduler's notice.
  if (TakeRemoteThreadSignal(sig, info)) return;
  // Senders and children are named by container pid (0 for a sender
  // outside the container, as across a pid namespace).
  if (info->si_code <= 0 || sig == SIGCHLD) info->si_pid = proc::ContainerPid(info->si_pid);
  uint64_t rip = static_cast<uint64_t>(g[REG_RIP]);
  uint64_t rsp = static_cast<uint64_t>(g[REG_RSP]);
  bool fault = (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
                sig == SIGTRAP) && info->si_code > 0;
  // A carried instruction faulting in its trampoline: reported (and
  // resumed) at the guest's own instruction, as on Linux.
  if (uintptr_t orig; fault && CarriedInsnFaultOrigin(rip, &orig, reinterpret_cast<uint64_t*>(&g[REG_RAX])))
    g[REG_RIP] = static_cast<greg_t>(rip = orig);
  // A fault belongs to the thread that faulted (Linux's force_sig): queued
  // for the whole process, another thread could take it (a JIT's safepoint
  // poll then handled with the wrong thread's context), and two at once
  // merged into one. Blocked, it kills the process, as on Linux.
  if (fault && !sched::InLibosCode(rip) && (BlockedMask() & SigBit(sig))) TerminateBySignal(sig);
  QueueSignal(sig, *info, fault ? ts->current : nullptr);
  if (fault && sched::InLibosCode(rip)) {
    char msg[300];
    bool overflow = FaultAtStackPointer(reinterpret_cast<uintptr_t>(info->si_addr), rsp);
    // The offset in junction's text, for addr2line (the host vDSO's
    // addresses give a meaningless one).
    unsigned long off = static_cast<unsigned long>(rip - reinterpret_cast<uintptr_t>(__executable_start));
    int n = std::snprintf(msg, sizeof(msg),
                          "junction: LibOS bug: signal %d at LibOS address %#lx (fault address %p%s); "
                          "addr2line -f -e junction %#lx\n",
                          sig, static_cast<unsigned long>(rip), info->si_addr,
                          overflow ? ", at the stack pointer: a LibOS stack overflow" : "", off);
    host::WriteAll(2, msg, static_cast<size_t>(n));
    TerminateBySignal(sig);
  }
  // The LibOS's code includes the host's vDSO: a signal landing in
  // junction's clock_gettime there (a kthread preempted in it takes its
  // pending signals at that instruction) was taken for guest code, and a
  // guest frame was built on the LibOS stack (e2e.signals_eintr_delivery
  // died of SIGSEGV about once in 300 runs under load).
  if (sched::InLibosCode(rip)) {
    // Finish the last instructions of the syscall exit for the guest, so
    // that a signal landing there is not left pending until the next call.
    auto at = [&](const char* label) { return rip == reinterpret_cast<uint64_t>(label); };
    if (at(junction_exit_jnz)) rip = reinterpret_cast<uint64_t>(junction_exit_popf);
    auto popf = reinterpret_cast<uint64_t>(junction_exit_popf);
    // Anywhere in the flags restore (syscall_entry.S): the saved flags are
    // still on the stack and, past its first instruction, the return value
    // is in %rcx.
    if ((rip >= popf && rip < reinterpret_cast<uint64_t>(junction_exit_ret)) ||
        (rip >= reinterpret_cast<uint64_t>(junction_exit_slow) && rip <= reinterpret_cast<uint64_t>(junction_exit_slow_popf))) {
      if (rip != popf) g[REG_RAX] = g[REG_RCX];
      uint64_t flags;
      if (!LoadGuest64(rsp, &flags)) TerminateBySignal(SIGSEGV);  // as the exit's own popf
      g[REG_EFL] = static_cast<greg_t>(flags);
      rsp += 8;
      rip = reinterpret_cast<uint64_t>(junction_exit_ret);
    }
    if (at(junction_exit_slow_ret)) rip = reinterpret_cast<uint64_t>(junction_exit_ret);
    // From junction_exit_ret to the pop, and at the plain `ret`: the
    // return address at rsp; at the jump: in %rcx.
    if ((rip >= reinterpret_cast<uint64_t>(junction_exit_ret) && rip < reinterpret_cast<uint64_t>(junction_exit_jmp)) ||
        at(junction_exit_ret_only)) {
      if (!LoadGuest64(rsp, &rip)) TerminateBySignal(SIGSEGV);  // as the exit's own `ret`
      rsp += 8;
    }
    if (at(junction_exit_jmp)) rip = static_cast<uint64_t>(g[REG_RCX]);
    if (rip == reinterpret_cast<uint64_t>(&junction_trap_return)) {
      uint64_t resume;
      if (!LoadGuest64(rsp, &resume)) TerminateBySignal(SIGSEGV);
      g[REG_RCX] = static_cast<greg_t>(resume);
      rip = reinterpret_cast<uint64_t>(junction_trap_return_lea);
    }
    if (at(junction_trap_return_lea)) {
      rsp += 136;
      rip = reinterpret_cast<uint64_t>(junction_trap_return_jmp);
    }
    if (at(junction_trap_return_jmp)) rip = static_cast<uint64_t>(g[REG_RCX]);
    if (sched::InLibosCode(rip)) {
      // In the LibOS: delivered on syscall exit; a parked uthread that can
      // take it is woken by the scheduler. One in a host wait it ends takes
      // it at once (the only kthread of a core may be the one waiting).
      sched::NoteSignalArrived();
      EndInterruptedHostWait(ucv);
      return;
    }
    g[REG_RIP] = static_cast<greg_t>(rip);
    g[REG_RSP] = static_cast<greg_t>(rsp);
    // The exit was finished here, not by its jump: the next one returns
    // by `ret` (syscall_entry.S, TS_RSB_SPOILT).
    ts->rsb_spoilt = 0;
  }
  if (!ts->signal_pending) {
    // Blocked by this thread: another may take it, or wait for it
    // (sigtimedwait, signalfd); the scheduler wakes them.
    sched::NoteSignalArrived();
    return;
  }
  // Interrupted guest code: build the frames now and let the host's
  // sigreturn enter the handler.
  std::memcpy(ts->xsave_area, uc->uc_mcontext.fpregs, ts->xsave_size);
  GuestContext ctx{};
  ctx.r8 = g[REG_R8]; ctx.r9 = g[REG_R9]; ctx.r10 = g[REG_R10]; ctx.r11 = g[REG_R11];
  ctx.r12 = g[REG_R12]; ctx.r13 = g[REG_R13]; ctx.r14 = g[REG_R14]; ctx.r15 = g[REG_R15];
  ctx.rdi = g[REG_RDI]; ctx.rsi = g[REG_RSI]; ctx.rbp = g[REG_RBP]; ctx.rbx = g[REG_RBX];
  ctx.rdx = g[REG_RDX]; ctx.rax = g[REG_RAX]; ctx.rcx = g[REG_RCX]; ctx.rsp = g[REG_RSP];
  ctx.rip = g[REG_RIP]; ctx.eflags = g[REG_EFL];
  if (!DeliverPendingSignals(ctx, RestartPoint{}, true)) return;
  g[REG_R8] = ctx.r8; g[REG_R9] = ctx.r9; g[REG_R10] = ctx.r10; g[REG_R11] = ctx.r11;
  g[REG_R12] = ctx.r12; g[REG_R13] = ctx.r13; g[REG_R14] = ctx.r14; g[REG_R15] = ctx.r15;
  g[REG_RDI] = ctx.rdi; g[REG_RSI] = ctx.rsi; g[REG_RBP] = ctx.rbp; g[REG_RBX] = ctx.rbx;
  g[REG_RDX] = ctx.rdx; g[REG_RAX] = ctx.rax; g[REG_RCX] = ctx.rcx; g[REG_RSP] = ctx.rsp;
  g[REG_RIP] = ctx.rip; g[REG_EFL] = ctx.eflags;
  // The handler starts with the initial FPU state; keep the frame's
  // software-reserved bytes so the host kernel still sees an XSAVE frame.
  InitXsaveImage(ts);
  auto* host_fp = reinterpret_cast<uint8_t*>(uc->uc_mcontext.fpregs);
  std::memcpy(host_fp, ts->xsave_area, kSwBytesOffset);
  std::memcpy(host_fp + 512, ts->xsave_area + 512, 64);
  // The host's sigreturn restores this mask: make it the guest's new one.
  uint64_t host_mask = 0;  // the host mask stays open (signal_state.cc)
  std::memcpy(&uc->uc_sigmask, &host_mask, sizeof(host_mask));
}

}  // namespace junction::libos
