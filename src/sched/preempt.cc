#include "sched/preempt.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>

#include <elf.h>
#include <sys/auxv.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "base/fork_written.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/signals/delivery.h"
#include "libos/signals/kernel_abi.h"
#include "libos/signals/rseq.h"
#include "libos/signals/signal_state.h"
#include "sched/cpu_time.h"
#include "sched/doorbell.h"
#include "sched/kthread.h"
#include "sched/reactor.h"

namespace junction::libos {
bool ExecEndsCurrentThread();  // libos/process.h
}  // namespace junction::libos

extern "C" {
void junction_preempt_trampoline();
extern const char __executable_start[];
extern const char etext[];
}

namespace junction::sched {

namespace {

uint64_t g_slice_ns = 1000000;

struct KernelSigevent {
  int32_t value_int;
  int32_t pad0;
  int32_t signo;
  int32_t notify;
  int32_t tid;
  int32_t pad[11];
};

// Per kthread (indexed by the ThreadState it runs with).
struct TimerSlot {
  int timer_id = -1;
};

// The host's vDSO (junction's own clock_gettime, e.g. sched::NowNs) is
// LibOS code too: the guest runs the LibOS's vDSO image, never the host's.
// Treating it as guest code switched uthreads out in the middle of the
// LibOS (holding its locks) and saved LibOS state as the guest's.
uintptr_t g_host_vdso_start = 0, g_host_vdso_end = 0;

void FindHostVdso() {
  if (g_host_vdso_end) return;
  auto base = static_cast<uintptr_t>(getauxval(AT_SYSINFO_EHDR));
  if (!base) return;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
  const auto* ph = reinterpret_cast<const Elf64_Phdr*>(base + eh->e_phoff);
  uintptr_t first = UINTPTR_MAX, last = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD) continue;
    first = std::min<uintptr_t>(first, ph[i].p_vaddr);
    last = std::max<uintptr_t>(last, ph[i].p_vaddr + ph[i].p_memsz);
  }
  if (last <= first) return;
  // A vDSO is linked at 0 (or at its load address): either way relative to base.
  uintptr_t bias = first >= base ? 0 : base;
  g_host_vdso_start = first + bias;
  g_host_vdso_end = last + bias;
}

void Arm(int id, uint64_t ns) {
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  its.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  its.it_interval = its.it_value;
  host::Syscall(SYS_timer_settime, id, 0, host::L(&its), 0);
}

// Runs on the LibOS's alternate signal stack, possibly with the guest's %fs:
// no TLS, no allocation, no locks the interrupted code may hold.
PreemptSignalHook g_hook = nullptr;

void PreemptHandler(int, siginfo_t* info, void* ucv) {
  // A thread another thread's exec ends, or a signal interrupts, in a host
  // call that may block on its behalf: it returns -EINTR instead
  // (InterruptHostCall, host_stubs.S), and the thread ends on its way out
  // or takes the signal.
  if (libos::EndInterruptedHostWait(ucv)) {
    // A kill or affinity request this signal carries is still taken (for
    // the process: it outlives this thread), else it would be lost.
    if (info->si_code == SI_QUEUE && g_hook) g_hook(info, ucv);
    return;
  }
  if (info->si_code == SI_QUEUE && g_hook && g_hook(info, ucv)) return;
  libos::ThreadState* ts = libos::CurrentThread();
  auto* u = static_cast<Uthread*>(ts->current);
  if (!u || u->preempted) return;
  auto* ucx = static_cast<ucontext_t*>(ucv);
  SampleTick(u, InLibosCode(static_cast<uintptr_t>(ucx->uc_mcontext.gregs[REG_RIP])));
  // Switch if another uthread waits for this core, the daemon wants it
  // back, or there are packet rings or host descriptors to look at (a
  // uthread that never blocks, e.g. one polling a ready descriptor in a
  // loop, would otherwise keep the scheduler loop from ever polling the
  // reactor, and a uthread parked on another ready descriptor would never
  // wake; not needed while another kthread blocks in the reactor's
  // epoll_wait). A signal another kthread queued for this uthread
  // (KickUthread) is delivered through the same path even when nobody
  // waits for the core. A host signal this uthread blocks needs the loop
  // too: it chooses the thread to take it (and wakes it). So does a forked
  // process's kthread that lost its daemon and may join the next, and a
  // ring of the process's doorbell (doorbell.h: waiters to wake).
  bool others = PeekRunnable() != 0 || TimersDue() || YieldRequested() || NetPollerActive() ||
                ReactorNeedsPass() || SignalArrivedPending() || MemberRejoinDue() || DoorbellPending();
  bool signal = __atomic_load_n(&ts->signal_pending, __ATOMIC_ACQUIRE) != 0;
  if (!others && !signal) return;
  auto* uc = static_cast<ucontext_t*>(ucv);
  greg_t* g = uc->uc_mcontext.gregs;
  auto rip = static_cast<uintptr_t>(g[REG_RIP]);
  if (InLibosCode(rip)) {
    if (!others) return;  // the signal is taken at its syscall exit
    // In the LibOS: switch at the next system call exit.
    u->need_resched = true;
    ts->signal_pending = 1;
    return;
  }
  // Guest code: save its whole state and resume in the LibOS instead.
  libos::GuestContext& c = u->preempt_ctx;
  c.r8 = g[REG_R8]; c.r9 = g[REG_R9]; c.r10 = g[REG_R10]; c.r11 = g[REG_R11];
  c.r12 = g[REG_R12]; c.r13 = g[REG_R13]; c.r14 = g[REG_R14]; c.r15 = g[REG_R15];
  c.rdi = g[REG_RDI]; c.rsi = g[REG_RSI]; c.rbp = g[REG_RBP]; c.rbx = g[REG_RBX];
  c.rdx = g[REG_RDX]; c.rax = g[REG_RAX]; c.rcx = g[REG_RCX]; c.rsp = g[REG_RSP];
  c.rip = g[REG_RIP]; c.eflags = g[REG_EFL];
  std::memcpy(ts->xsave_area, uc->uc_mcontext.fpregs, ts->xsave_size);
  ts->guest_fs = libos::ReadFsBase();
  ts->x87_clean = 0;
  u->preempted = true;
  CountPreemption();
  g[REG_RSP] = static_cast<greg_t>(ts->libos_stack_top);
  g[REG_RIP] = static_cast<greg_t>(reinterpret_cast<uintptr_t>(&junction_preempt_trampoline));
}

}  // namespace

void SetPreemptSignalHook(PreemptSignalHook hook) { g_hook = hook; }

namespace {

// The timer of the kthread whose ThreadState is `ts` and host thread `tid`,
// firing every slice.
bool CreatePreemptionTimer(libos::ThreadState* ts, int tid, uint64_t slice_ns) {
  KernelSigevent ev{};
  ev.signo = kPreemptSignal;
  ev.notify = 4;  // SIGEV_THREAD_ID
  ev.tid = tid;
  int id = -1;
  if (host::Syscall(SYS_timer_create, CLOCK_MONOTONIC, host::L(&ev), host::L(&id)) != 0) return false;
  Arm(id, slice_ns);
  // Another kthread may make it (PreemptionNeeded): its owner reads the id
  // in Pause/ResumePreemptionTimer.
  __atomic_store_n(&ts->preempt_timer, id, __ATOMIC_RELEASE);
  return true;
}

// A forked child's kthread without its timer yet (PreemptionResetAfterFork).
// Fork-written: the child stores it, the parent never does.
JUNCTION_FORK_WRITTEN std::atomic<libos::ThreadState*> g_lazy_timer{nullptr};

int TimerOf(libos::ThreadState* ts) { return __atomic_load_n(&ts->preempt_timer, __ATOMIC_ACQUIRE); }

}  // namespace

bool InLibosCode(uintptr_t ip) {
  return (ip >= reinterpret_cast<uintptr_t>(__executable_start) &&
          ip < reinterpret_cast<uintptr_t>(etext)) ||
         (ip >= g_host_vdso_start && ip < g_host_vdso_end);
}

bool StartPreemptionTimer(uint64_t slice_ns) {
  if (g_slice_ns != slice_ns) g_slice_ns = slice_ns;
  FindHostVdso();
  libos::KernelSigaction sa{};
  sa.handler = reinterpret_cast<uint64_t>(&PreemptHandler);
  sa.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | libos::kSaRestorer;
  sa.restorer = reinterpret_cast<uint64_t>(&junction_host_sigreturn);
  sa.mask = ~uint64_t{0} & ~(uint64_t{1} << (SIGSYS - 1)) & ~(uint64_t{1} << (SIGSEGV - 1));
  if (host::Syscall(SYS_rt_sigaction, kPreemptSignal, host::L(&sa), 0, 8) != 0) return false;
  return CreatePreemptionTimer(libos::CurrentThread(), static_cast<int>(host::Syscall(SYS_gettid)),
                               slice_ns);
}

void PreemptionResetAfterFork() {
  // POSIX timers are per process: the parent's is not the child's. Its own
  // comes when something may need it (PreemptionNeeded); the host handler
  // came with the fork.
  libos::ThreadState* ts = libos::CurrentThread();
  ts->preempt_timer = -1;
  g_lazy_timer.store(ts, std::memory_order_release);
}

void PreemptionNeeded() {
  if (g_lazy_timer.load(std::memory_order_relaxed) == nullptr) return;
  libos::ThreadState* ts = g_lazy_timer.exchange(nullptr, std::memory_order_acq_rel);
  if (!ts) return;
  // The forking thread leads the child's thread group: its tid is the pid,
  // whichever thread asks.
  CreatePreemptionTimer(ts, static_cast<int>(host::Syscall(SYS_getpid)), g_slice_ns);
}

bool StartKthreadPreemptionTimer() {
  return CreatePreemptionTimer(libos::CurrentThread(), static_cast<int>(host::Syscall(SYS_gettid)),
                               g_slice_ns);
}

void PausePreemptionTimer() {
  int id = TimerOf(libos::CurrentThread());
  if (id < 0) return;
  itimerspec off{};
  host::Syscall(SYS_timer_settime, id, 0, host::L(&off), 0);
}

uint64_t PreemptionSliceNs() { return g_slice_ns; }

void ResumePreemptionTimer() {
  int id = TimerOf(libos::CurrentThread());
  if (id >= 0) Arm(id, g_slice_ns);
}

void ArmPreemptionTimerAt(uint64_t first_ns) {
  int id = TimerOf(libos::CurrentThread());
  if (id < 0) return;
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(first_ns / 1000000000);
  its.it_value.tv_nsec = static_cast<long>(first_ns % 1000000000);
  its.it_interval.tv_sec = static_cast<time_t>(g_slice_ns / 1000000000);
  its.it_interval.tv_nsec = static_cast<long>(g_slice_ns % 1000000000);
  host::Syscall(SYS_timer_settime, id, TIMER_ABSTIME, host::L(&its), 0);
}

}  // namespace junction::sched

// Where a preempted uthread continues, on its LibOS stack, once the host's
// sigreturn left the signal handler (junction_preempt_trampoline has put
// the LibOS's %fs back).
extern "C" [[noreturn]] void junction_preempted() {
  using namespace junction;
  sched::Uthread* u = sched::Current();
  // The handler saved the guest's state from the signal frame.
  libos::CurrentThread()->in_libos = 1;
  sched::Yield();
  // Running again (perhaps on another kthread); an rseq critical section
  // it was in restarts at its abort handler.
  u->preempted = false;
  if (!libos::RseqFixup(u, u->preempt_ctx)) {
    siginfo_t info{};
    info.si_signo = SIGSEGV;
    info.si_code = SI_KERNEL;
    libos::QueueSignal(SIGSEGV, info, u);
  }
  libos::ResumeGuestWithSignals(u->preempt_ctx);
}
