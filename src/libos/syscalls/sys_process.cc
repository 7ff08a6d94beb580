// Process identity, limits and control.
#include <asm/prctl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <cstring>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "sched/kthread.h"
#include "sched/standalone_registry.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

bool GuestHandlesSignal(int sig);  // signals/signal_state.cc

[[noreturn]] void ExitProcess(int status) {
  StraceFlush();
  sched::UnregisterStandalone();
  host::ExitGroup(status);
}

JUNCTION_HANDLER(exit_group) {
  // Never returns to the dispatcher, so it logs its own `= ?` line.
  if (g_strace_enabled) StraceLog(a, 0);
  ExitProcess(static_cast<int>(a.a[0]) & 0xff);
}

JUNCTION_HANDLER(arch_prctl) {
  ThreadState* ts = CurrentThread();
  switch (a.a[0]) {
    case ARCH_SET_FS:
      if (static_cast<uintptr_t>(a.a[1]) >= 0x800000000000ul) return -EPERM;
      ts->guest_fs = static_cast<uintptr_t>(a.a[1]);
      return 0;
    case ARCH_GET_FS:
      return ToRaw(UserPtr<uintptr_t>(a.a[1]).Write(ts->guest_fs));
    case ARCH_SET_GS:
    case ARCH_GET_GS:
      return -EPERM;  // %gs belongs to the LibOS (docs/syscalls.md)
    default:
      return -EINVAL;
  }
}

JUNCTION_HANDLER(prctl) {
  Process& p = CurrentProcess();
  switch (a.a[0]) {
    case PR_SET_NAME: {
      auto name = CopyStringFromUser(a.a[1], 4096);
      if (!name.ok()) return -name.error();
      p.name = name->substr(0, 15);
      return 0;
    }
    case PR_GET_NAME: {
      char buf[16] = {};
      std::memcpy(buf, p.name.data(), std::min<size_t>(p.name.size(), 15));
      if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), 16)) return -EFAULT;
      std::memcpy(reinterpret_cast<void*>(a.a[1]), buf, 16);
      return 0;
    }
    case PR_SET_PDEATHSIG:
      if (a.a[1] < 0 || a.a[1] > 64) return -EINVAL;
      return host::Syscall(SYS_prctl, PR_SET_PDEATHSIG, a.a[1]);
    case PR_GET_PDEATHSIG: {
      int sig = 0;
      host::Syscall(SYS_prctl, PR_GET_PDEATHSIG, host::L(&sig));
      return ToRaw(UserPtr<int>(a.a[1]).Write(sig));
    }
    case PR_GET_DUMPABLE:
    case PR_SET_DUMPABLE:
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
    case PR_CAPBSET_READ:
    case PR_GET_SECUREBITS:
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
      return host::Syscall(SYS_prctl, a.a[0], a.a[1], a.a[2], a.a[3], a.a[4]);
    case PR_SET_SECCOMP:
    case PR_GET_SECCOMP:
      return -EINVAL;  // the LibOS's own filter is not the guest's to change
    case PR_SET_VMA:
      return 0;  // names of anonymous mappings are advisory
    default:
      return -EINVAL;
  }
}

JUNCTION_HANDLER(getresuid) {
  Process& p = CurrentProcess();
  CHECK(UserPtr<uint32_t>(a.a[0]).Write(p.uid));
  CHECK(UserPtr<uint32_t>(a.a[1]).Write(p.euid));
  CHECK(UserPtr<uint32_t>(a.a[2]).Write(p.euid));
  return 0;
}

JUNCTION_HANDLER(getresgid) {
  Process& p = CurrentProcess();
  CHECK(UserPtr<uint32_t>(a.a[0]).Write(p.gid));
  CHECK(UserPtr<uint32_t>(a.a[1]).Write(p.egid));
  CHECK(UserPtr<uint32_t>(a.a[2]).Write(p.egid));
  return 0;
}

JUNCTION_HANDLER(getgroups) {
  int size = static_cast<int>(a.a[0]);
  if (size < 0) return -EINVAL;
  if (size && !GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(size) * 4))
    return -EFAULT;
  return host::Syscall(SYS_getgroups, size, a.a[1]);
}

JUNCTION_HANDLER(uname) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), sizeof(struct utsname))) return -EFAULT;
  return host::Syscall(SYS_uname, a.a[0]);  // the host's identity, as documented
}

JUNCTION_HANDLER(prlimit64) {
  if (a.a[0] != 0 && a.a[0] != CurrentProcess().host_pid) return -ESRCH;
  if (a.a[2] && !GuestReadable(static_cast<uintptr_t>(a.a[2]), sizeof(struct rlimit))) return -EFAULT;
  if (a.a[3] && !GuestWritable(static_cast<uintptr_t>(a.a[3]), sizeof(struct rlimit))) return -EFAULT;
  return host::Syscall(SYS_prlimit64, 0, a.a[1], a.a[2], a.a[3]);
}

JUNCTION_HANDLER(getrlimit) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct rlimit))) return -EFAULT;
  return host::Syscall(SYS_prlimit64, 0, a.a[0], 0, a.a[1]);
}

JUNCTION_HANDLER(setrlimit) {
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), sizeof(struct rlimit))) return -EFAULT;
  return host::Syscall(SYS_prlimit64, 0, a.a[0], a.a[1], 0);
}

// Whether `id` names a thread of this process (the main thread's id is the
// process id), as sched_getaffinity and friends accept.
static bool IsOwnThread(long id) {
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
    if (u->tid == id) return true;
  return false;
}

JUNCTION_HANDLER(sched_getaffinity) {
  if (a.a[0] != 0 && !IsOwnThread(a.a[0])) return -ESRCH;
  size_t len = static_cast<size_t>(a.a[1]);
  int cores = CurrentProcess().cores;
  size_t need = static_cast<size_t>((cores + 63) / 64) * 8;
  if (len < need || (len & 7)) return -EINVAL;
  size_t ret = std::min<size_t>(len, 128);  // like the kernel: cpumask size
  if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), ret)) return -EFAULT;
  auto* mask = reinterpret_cast<uint8_t*>(a.a[2]);
  std::memset(mask, 0, ret);
  for (int c = 0; c < cores; c++) mask[c / 8] |= static_cast<uint8_t>(1u << (c % 8));
  return static_cast<long>(ret);
}


JUNCTION_HANDLER(getrandom) {
  if (a.a[2] & ~(GRND_NONBLOCK | GRND_RANDOM | 0x4 /*GRND_INSECURE*/)) return -EINVAL;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]))) return -EFAULT;
  return host::Syscall(SYS_getrandom, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(getrusage) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct rusage))) return -EFAULT;
  return host::Syscall(SYS_getrusage, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(sysinfo) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), 112)) return -EFAULT;
  return host::Syscall(SYS_sysinfo, a.a[0]);
}

JUNCTION_HANDLER(getpgid) {
  if (a.a[0] != 0 && a.a[0] != CurrentProcess().host_pid) return -ESRCH;
  return host::Syscall(SYS_getpgid, 0);
}

JUNCTION_HANDLER(getsid) {
  if (a.a[0] != 0 && a.a[0] != CurrentProcess().host_pid) return -ESRCH;
  return host::Syscall(SYS_getsid, 0);
}

JUNCTION_HANDLER(getcpu) {
  unsigned cpu = 0, node = 0;
  host::Syscall(SYS_getcpu, host::L(&cpu), host::L(&node), 0);
  if (a.a[0]) CHECK(UserPtr<unsigned>(a.a[0]).Write(cpu));
  if (a.a[1]) CHECK(UserPtr<unsigned>(a.a[1]).Write(node));
  return 0;
}

}  // namespace junction::libos

namespace junction::libos {

// Signals to itself reach the host's default actions (abort() must end the
// process with SIGABRT). Other targets do not exist in this container yet.
static long SignalSelf(long pid, long tid, long sig) {
  const Process& p = CurrentProcess();
  if (sig < 0 || sig > 64) return -EINVAL;
  if (pid != p.host_pid) return -ESRCH;
  sched::Uthread* target = nullptr;
  if (tid != -1) {
    sched::SpinGuard g(sched::AllUthreadsLock());
    for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
      if (u->tid == tid) target = u;
    if (!target) return -ESRCH;
  }
  if (sig == 0) return 0;
  // Signals stay inside the LibOS: queued for the thread (tgkill) or the
  // process (kill), and a thread parked in the LibOS that can take it is
  // woken; default actions are carried out by the delivery code.
  siginfo_t info{};
  info.si_signo = static_cast<int>(sig);
  info.si_code = tid == -1 ? SI_USER : SI_TKILL;
  info.si_pid = p.host_pid;
  info.si_uid = p.uid;
  QueueSignal(static_cast<int>(sig), info, target);
  if (target && target != sched::Current()) {
    if (!(target->sig_blocked & SigBit(static_cast<int>(sig))))
      sched::WakeUp(target, sched::WakeReason::kSignal);
  } else if (!target) {
    sched::NoteSignalArrived();  // a blocked thread that can take it wakes up
  }
  return 0;
}

JUNCTION_HANDLER(kill) {
  long pid = a.a[0] == 0 || a.a[0] == -1 ? CurrentProcess().host_pid : a.a[0];
  return SignalSelf(pid, -1, a.a[1]);
}
JUNCTION_HANDLER(tgkill) { return SignalSelf(a.a[0], a.a[1], a.a[2]); }
JUNCTION_HANDLER(tkill) { return SignalSelf(CurrentProcess().host_pid, a.a[0], a.a[1]); }

}  // namespace junction::libos
