// Signal bookkeeping for single-threaded guests: dispositions and the mask
// are recorded so programs that set them up run; delivery to guest
// handlers comes with the signals issue. Until then the host's default
// actions apply (a fatal signal ends junction with 128+N).
#include <signal.h>
#include <sys/syscall.h>

#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

struct GuestSigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

GuestSigaction g_actions[65];
uint64_t g_mask;
stack_t g_altstack = {nullptr, SS_DISABLE, 0};

constexpr int kSsAutodisarm = 1 << 31;  // SS_AUTODISARM (kernel ABI)
constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));

}  // namespace

void ResetSignalsForExec() {
  // Caught signals revert to their default action; ignored ones stay
  // ignored; the mask and pending signals are kept (execve(2)).
  for (GuestSigaction& act : g_actions) {
    if (act.handler != reinterpret_cast<uintptr_t>(SIG_IGN)) act = GuestSigaction{};
  }
  g_altstack = {nullptr, SS_DISABLE, 0};
}

JUNCTION_HANDLER(rt_sigaction) {
  long sig = a.a[0];
  if (a.a[3] != 8) return -EINVAL;
  if (sig < 1 || sig > 64) return -EINVAL;
  GuestSigaction old = g_actions[sig];
  if (a.a[1]) {
    if (sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
    auto act = UserPtr<GuestSigaction>(a.a[1]).Read();
    if (!act.ok()) return -act.error();
    g_actions[sig] = *act;
  }
  if (a.a[2]) CHECK(UserPtr<GuestSigaction>(a.a[2]).Write(old));
  return 0;
}

JUNCTION_HANDLER(rt_sigprocmask) {
  if (a.a[3] != 8) return -EINVAL;
  uint64_t old = g_mask;
  if (a.a[1]) {
    auto set = UserPtr<uint64_t>(a.a[1]).Read();
    if (!set.ok()) return -set.error();
    switch (a.a[0]) {
      case SIG_BLOCK: g_mask |= *set; break;
      case SIG_UNBLOCK: g_mask &= ~*set; break;
      case SIG_SETMASK: g_mask = *set; break;
      default: return -EINVAL;
    }
    g_mask &= ~kUnblockable;
  }
  if (a.a[2]) CHECK(UserPtr<uint64_t>(a.a[2]).Write(old));
  return 0;
}

JUNCTION_HANDLER(sigaltstack) {
  stack_t old = g_altstack;
  if (a.a[0]) {
    auto ss = UserPtr<stack_t>(a.a[0]).Read();
    if (!ss.ok()) return -ss.error();
    if (ss->ss_flags & ~(SS_DISABLE | kSsAutodisarm)) return -EINVAL;
    if (!(ss->ss_flags & SS_DISABLE) && ss->ss_size < 2048) return -ENOMEM;
    g_altstack = *ss;
  }
  if (a.a[1]) CHECK(UserPtr<stack_t>(a.a[1]).Write(old));
  return 0;
}

JUNCTION_HANDLER(rt_sigreturn) {
  (void)a;
  return -ENOSYS;  // no guest handler can have run yet (see above)
}

}  // namespace junction::libos
