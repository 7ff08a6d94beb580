#include "libos/fs/terminal.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>

#include <cerrno>

#include "libos/host/host.h"
#include "libos/host/host_wait.h"
#include "libos/proc/process_table.h"
#include "libos/signals/signal_state.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos::fs {

namespace {

// The container's group (or session) whose host id is `host_id`; 0 when it
// lies outside the container, as Linux reports a group of another pid
// namespace.
int ContainerGroupOf(int host_id, bool session) {
  proc::Table* t = proc::Get();
  if (!t || host_id <= 0) return 0;
  if (!session) return proc::ContainerPgidOf(t, host_id);
  for (const proc::Entry& e : t->entries)  // a session is named by its leader
    if (e.state.load(std::memory_order_relaxed) != proc::kFree &&
        e.host_pid.load(std::memory_order_relaxed) == host_id)
      return e.sid.load();
  return 0;
}

long GetId(int host_fd, unsigned long req, long arg, bool session) {
  if (!GuestWritable(static_cast<uintptr_t>(arg), sizeof(int))) return -EFAULT;
  int host_id = 0;
  long r = host::Syscall(SYS_ioctl, host_fd, req, host::L(&host_id));
  if (r < 0) return r;
  return UserPtr<int>(arg).Write(ContainerGroupOf(host_id, session)).ok() ? 0 : -EFAULT;
}

// Requests that change the terminal: Linux's tty_check_change lets a
// process outside the terminal's foreground group make them only when it
// blocks or ignores SIGTTOU, and otherwise stops the group with it.
bool ChangesTerminal(unsigned long req) {
  switch (req) {
    case TIOCSPGRP: case TCSETS: case TCSETSW: case TCSETSF: case TCSETA: case TCSETAW:
    case TCSETAF: case TCFLSH: case TCXONC: case TCSBRK: case TCSBRKP: case TIOCSBRK:
    case TIOCCBRK: case TIOCSETD:
      return true;
    default:
      return false;
  }
}

// Requests that wait for the output to drain, which a signal ends (EINTR):
// Linux's tty_wait_until_sent in set_termios (TERMIOS_WAIT) and before a
// break. The others never give EINTR.
bool WaitsForOutput(unsigned long req) {
  switch (req) {
    case TCSETSW: case TCSETSF: case TCSETAW: case TCSETAF:
    case TCSBRK: case TCSBRKP: case TIOCSBRK:
      return true;
    default:
      return false;
  }
}

// The host checks the host thread's mask, which the guest's blocked
// signals are not part of (an ignored SIGTTOU is ignored on the host too):
// a request that changes the terminal is made with SIGTTOU blocked there
// when the guest thread blocks it. Else a shell's child giving itself the
// terminal with SIGTTOU blocked (bash's give_terminal_to, racing its
// parent's) was stopped by the host.
long TerminalCall(int host_fd, unsigned long req, long arg) {
  bool waits = WaitsForOutput(req);
  if (!ChangesTerminal(req) || !(BlockedMask() & SigBit(SIGTTOU)))
    return HostWaitCallAs(waits, SYS_ioctl, host_fd, static_cast<long>(req), arg, 0, 0, 0);
  uint64_t ttou = SigBit(SIGTTOU), old = 0;
  host::Syscall(SYS_rt_sigprocmask, SIG_BLOCK, host::L(&ttou), host::L(&old), 8);
  long r = HostWaitCallAs(waits, SYS_ioctl, host_fd, static_cast<long>(req), arg, 0, 0, 0);
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&old), 0, 8);
  return r;
}

}  // namespace

long TerminalIoctl(int host_fd, unsigned long req, long arg) {
  size_t in = 0, out = 0;  // argument bytes the host reads / writes
  switch (req) {
    case TCGETS: case TCGETA: out = sizeof(struct termios); break;
    case TCSETS: case TCSETSW: case TCSETSF: in = sizeof(struct termios); break;
    case TCSETA: case TCSETAW: case TCSETAF: in = sizeof(struct termio); break;
    case TIOCGWINSZ: out = sizeof(struct winsize); break;
    case TIOCSWINSZ: in = sizeof(struct winsize); break;
    case TIOCOUTQ: case TIOCGPTN: case TIOCGETD: case TIOCMGET: case TIOCGEXCL: case TIOCGPKT:
    case TIOCGPTLCK:
      out = sizeof(int);
      break;
    case TIOCSPTLCK: case TIOCSETD: case TIOCMSET: case TIOCMBIS: case TIOCMBIC: case TIOCPKT:
      in = sizeof(int);
      break;
    case TIOCSTI: in = 1; break;
    // Value arguments or none.
    case TCFLSH: case TCXONC: case TCSBRK: case TCSBRKP: case TIOCSCTTY: case TIOCNOTTY:
    case TIOCEXCL: case TIOCNXCL: case TIOCSBRK: case TIOCCBRK:
      break;
    case TIOCGPGRP: return GetId(host_fd, req, arg, false);
    case TIOCGSID: return GetId(host_fd, req, arg, true);
    case TIOCSPGRP: {
      auto pgid = UserPtr<int>(arg).Read();
      if (!pgid.ok()) return -EFAULT;
      if (*pgid < 0) return -EINVAL;
      int host_pgid = proc::Get() ? proc::HostPgidOf(proc::Get(), *pgid) : 0;
      if (!host_pgid) return -EPERM;  // no such group in the session
      return TerminalCall(host_fd, req, host::L(&host_pgid));
    }
    default:
      return -ENOTTY;
  }
  if (in && !GuestReadable(static_cast<uintptr_t>(arg), in)) return -EFAULT;
  if (out && !GuestWritable(static_cast<uintptr_t>(arg), out)) return -EFAULT;
  return TerminalCall(host_fd, req, arg);
}

}  // namespace junction::libos::fs
