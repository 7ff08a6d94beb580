#include "libos/signals/kill_request.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/strace.h"
#include "sched/kthread.h"
#include "sched/preempt.h"

namespace junction::libos {

namespace {

constexpr int kKillRequestValue = 0x4a4b494c;  // "JKIL"
constexpr uint64_t kFallbackNs = 1'000'000'000;

// The sender's fallback: the host SIGKILL, through the pidfd (never
// another process that reused the pid), then the pidfd is closed.
void KillIfAlive(void* arg, uint64_t pidfd) {
  (void)arg;
  host::Syscall(SYS_pidfd_send_signal, static_cast<long>(pidfd), SIGKILL, 0, 0);
  host::Syscall(SYS_close, static_cast<long>(pidfd));
}

siginfo_t RequestInfo() {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  info.si_signo = sched::kPreemptSignal;
  info.si_code = SI_QUEUE;
  info.si_pid = CurrentProcess().host_pid;
  info.si_uid = static_cast<uid_t>(host::Syscall(SYS_getuid));
  info.si_value.sival_int = kKillRequestValue;
  return info;
}

// Sends the request on `pidfd` and arms the fallback on a duplicate the
// timer owns.
long SendOn(int pidfd) {
  siginfo_t info = RequestInfo();
  StraceFlush();
  long r = host::Syscall(SYS_pidfd_send_signal, pidfd, sched::kPreemptSignal, host::L(&info), 0);
  if (r == -ESRCH) return r;
  // Not queued (the host's RLIMIT_SIGPENDING counts it): the plain SIGKILL.
  if (r < 0) return host::Syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, 0, 0);
  long dup = host::Syscall(SYS_fcntl, pidfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return host::Syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, 0, 0);
  sched::AddTimer(sched::NowNs() + kFallbackNs, KillIfAlive, nullptr, static_cast<uint64_t>(dup));
  return 0;
}

}  // namespace

long SendKillRequest(int host_pid) {
  if (host_pid <= 0) return -ESRCH;
  long fd = host::Syscall(SYS_pidfd_open, host_pid, 0);
  if (fd < 0) return fd == -ESRCH ? -ESRCH : host::Syscall(SYS_kill, host_pid, SIGKILL);
  long r = SendOn(static_cast<int>(fd));
  host::Syscall(SYS_close, fd);
  return r;
}

long SendKillRequestPidfd(int host_pidfd) { return SendOn(host_pidfd); }

void HostSignalHandler(int sig, siginfo_t* info, void* uc);  // delivery.cc

bool TakeKillRequest(siginfo_t* info, void* ucontext) {
  if (info->si_code != SI_QUEUE || info->si_value.sival_int != kKillRequestValue) return false;
  // kill()'s siginfo, from the sender (HostSignalHandler maps its pid).
  info->si_signo = SIGKILL;
  info->si_code = SI_USER;
  info->si_value.sival_int = 0;
  HostSignalHandler(SIGKILL, info, ucontext);
  return true;
}

}  // namespace junction::libos
