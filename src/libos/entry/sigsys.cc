#include "libos/entry/sigsys.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "libos/entry/rewrite.h"
#include "libos/entry/safe_copy.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/ipc/sysv/sysv_registry.h"
#include "libos/process.h"

extern "C" {
void junction_syscall_entry();
void junction_trap_return();
extern const char __executable_start[];
extern const char etext[];
extern const char junction_guest_stack_code[], junction_guest_stack_code_end[];  // syscall_entry.S
}

namespace junction::libos {

void HostSignalHandler(int sig, siginfo_t* info, void* uc);  // signals/delivery.cc
bool GuestHandlesSignal(int sig);                            // signals/signal_state.cc
[[noreturn]] void TerminateBySignal(int sig);                // signals/delivery.cc

namespace {

constexpr size_t kAltStackSize = 256 * 1024;
constexpr unsigned long kSaRestorer = 0x04000000;  // SA_RESTORER (kernel ABI)

// The kernel's struct sigaction (not glibc's).
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

bool InLibosText(uintptr_t ip) {
  return ip >= reinterpret_cast<uintptr_t>(__executable_start) &&
         ip < reinterpret_cast<uintptr_t>(etext);
}

// A syscall made by libc code linked into junction (not through the host
// stubs), e.g. malloc growing its heap: perform it through the stubs.
void ForwardLibosSyscall(greg_t* g, long nr) {
  g[REG_RAX] = host::Syscall(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8],
                             g[REG_R9]);
}

void SigsysHandler(int, siginfo_t* si, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  greg_t* g = uc->uc_mcontext.gregs;
  const uintptr_t after = static_cast<uintptr_t>(g[REG_RIP]);
  const long nr = si->si_syscall;
  if (InLibosText(after)) {
    ForwardLibosSyscall(g, nr);
    return;
  }
  uintptr_t resume = after;
  TryRewriteSyscallSite(after, nr, &resume);
  // Make the guest "call" junction_syscall_entry with the resume address
  // stored past its red zone; junction_trap_return resumes it.
  auto rsp = static_cast<uintptr_t>(g[REG_RSP]);
  auto* frame = reinterpret_cast<uintptr_t*>(rsp - 128 - 16);
  frame[1] = resume;
  frame[0] = reinterpret_cast<uintptr_t>(&junction_trap_return);
  g[REG_RSP] = static_cast<greg_t>(reinterpret_cast<uintptr_t>(frame));
  g[REG_RIP] = static_cast<greg_t>(reinterpret_cast<uintptr_t>(&junction_syscall_entry));
  g[REG_RAX] = nr;
}

// SIGTRAP: another kthread is patching the syscall site this one reached.
// One sent by kill, tgkill or sigqueue (si_code <= 0) is a signal like any
// other, queued for the guest. Anything else is the guest's own trap: its
// handler, or else (no handler, ignored or blocked) it kills the process,
// as Linux's force_sig does. The host action stays this handler: the patch
// traps need it, whatever the guest does with SIGTRAP.
void SigtrapHandler(int sig, siginfo_t* si, void* ctx) {
  if (si->si_code <= 0) {
    HostSignalHandler(sig, si, ctx);
    return;
  }
  auto* uc = static_cast<ucontext_t*>(ctx);
  greg_t* g = uc->uc_mcontext.gregs;
  uintptr_t int3 = static_cast<uintptr_t>(g[REG_RIP]) - 1;
  if (si->si_code == SI_KERNEL && HandlePatchTrap(int3)) {
    g[REG_RIP] = static_cast<greg_t>(int3);
    return;
  }
  if (GuestHandlesSignal(sig)) {
    HostSignalHandler(sig, si, ctx);  // blocked, it kills the process there
    return;
  }
  // int3 leaves the ip past itself: nothing repeats, so the default action
  // is taken here (it releases the robust futexes, as FaultHandler does).
  char msg[200];
  int n = std::snprintf(msg, sizeof(msg),
                        "junction: guest killed by signal %d at ip %#lx (fault address %p)\n",
                        sig, static_cast<unsigned long>(g[REG_RIP]), si->si_addr);
  host::WriteAll(2, msg, static_cast<size_t>(n));
  TerminateBySignal(sig);
}

// SIGSEGV, SIGBUS, SIGFPE, SIGILL: one sent by kill, tgkill or sigqueue
// (si_code <= 0: no fault; from another process of the container or the
// host) is a signal like any other, queued for the guest, whose handler
// or default action takes it. A fault of a safe copy on guest memory
// resumes at its fixup (the call fails with EFAULT, safe_copy.h), whatever
// the guest's handlers; else the guest's handler if it has one; otherwise
// a fault in LibOS code is reported as a LibOS bug, and the default action
// (core dump, 128+N) follows.
void FaultHandler(int sig, siginfo_t* si, void* ctx) {
  if (si->si_code <= 0) {
    HostSignalHandler(sig, si, ctx);
    return;
  }
  auto* uc = static_cast<ucontext_t*>(ctx);
  auto rip = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  if (sig == SIGSEGV || sig == SIGBUS) {
    if (uintptr_t fixup = SafeCopyFixupFor(rip)) {
      uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(fixup);
      return;
    }
  }
  // The system call exit's loads and stores on the guest's stack
  // (syscall_entry.S), which another thread unmapped: the guest's fault, as
  // its own `ret` would have faulted on Linux, with no stack for a
  // handler's frame (SIGSEGV with its default action).
  if ((sig == SIGSEGV || sig == SIGBUS) && rip >= reinterpret_cast<uintptr_t>(junction_guest_stack_code) &&
      rip < reinterpret_cast<uintptr_t>(junction_guest_stack_code_end))
    TerminateBySignal(SIGSEGV);
  if (GuestHandlesSignal(sig)) {
    HostSignalHandler(sig, si, ctx);
    return;
  }
  if (InLibosText(rip)) {
    char msg[300];
    auto rsp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
    bool overflow = FaultAtStackPointer(reinterpret_cast<uintptr_t>(si->si_addr), rsp);
    int n = std::snprintf(msg, sizeof(msg),
                          "junction: LibOS bug: signal %d at junction+%#lx (fault address %p%s); "
                          "addr2line -f -e junction %#lx\n",
                          sig, rip - reinterpret_cast<uintptr_t>(__executable_start), si->si_addr,
                          overflow ? ", at the stack pointer: a LibOS stack overflow" : "",
                          rip - reinterpret_cast<uintptr_t>(__executable_start));
    host::WriteAll(2, msg, static_cast<size_t>(n));
  } else {
    // Like the kernel's "segfault at" line, for whoever debugs the guest.
    char msg[200];
    int n = std::snprintf(msg, sizeof(msg),
                          "junction: guest killed by signal %d at ip %#lx (fault address %p)\n",
                          sig, rip, si->si_addr);
    host::WriteAll(2, msg, static_cast<size_t>(n));
    ReleaseProcessRobustFutexes();  // the guest dies of it: its robust futexes' owner too
    // Its System V attachments end and its SEM_UNDO adjustments apply, on
    // the LibOS's %fs (they may allocate); the guest's goes back for the
    // faulting instruction's re-run (sigreturn restores no %fs base).
    uintptr_t guest_fs = ReadFsBase();
    WriteFsBase(CurrentThread()->libos_fs);
    sysv::OnProcessExit();
    WriteFsBase(guest_fs);
  }
  KernelSigaction dfl{};
  dfl.flags = kSaRestorer;
  dfl.restorer = junction_host_sigreturn;
  host::Syscall(SYS_rt_sigaction, sig, host::L(&dfl), 0, 8);
}

}  // namespace

bool InstallAltStack() {
  // No MAP_STACK (the kernel marks such a mapping no-huge-page): with the
  // same flags as its neighbours (the uthread or thread-state memory mapped
  // next to it) it merges into one VMA, one fewer that every fork copies.
  long stack = host::Mmap(0, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
  if (stack < 0) return false;
  stack_t ss{};
  ss.ss_sp = reinterpret_cast<void*>(stack);
  ss.ss_size = kAltStackSize;
  return host::Syscall(SYS_sigaltstack, host::L(&ss), 0) == 0;
}

bool InstallTrapHandlers() {
  if (!InstallAltStack()) return false;
  KernelSigaction sa{};
  sa.handler = SigsysHandler;
  // SA_NODEFER: a libc syscall inside LibOS code that runs on this path
  // must be able to trap again.
  sa.flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | kSaRestorer;
  sa.restorer = junction_host_sigreturn;
  if (host::Syscall(SYS_rt_sigaction, SIGSYS, host::L(&sa), 0, 8) != 0) return false;
  KernelSigaction trap{};
  trap.handler = SigtrapHandler;
  trap.flags = SA_SIGINFO | SA_ONSTACK | kSaRestorer;
  trap.restorer = junction_host_sigreturn;
  if (host::Syscall(SYS_rt_sigaction, SIGTRAP, host::L(&trap), 0, 8) != 0) return false;
  KernelSigaction fault{};
  fault.handler = FaultHandler;
  fault.flags = SA_SIGINFO | SA_ONSTACK | kSaRestorer;
  fault.restorer = junction_host_sigreturn;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    if (host::Syscall(SYS_rt_sigaction, sig, host::L(&fault), 0, 8) != 0) return false;
  return true;
}

bool EnableSyscallDispatch() {
  ThreadState* ts = CurrentThread();
  ts->sud_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  long r = host::Syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
                         host::L(host::StubsBegin()),
                         host::L(host::StubsEnd() - host::StubsBegin()),
                         host::L(&ts->sud_selector));
  return r == 0;
}

}  // namespace junction::libos
