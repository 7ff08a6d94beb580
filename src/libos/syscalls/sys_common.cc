#include "libos/syscalls/sys_common.h"

#include "libos/signals/signal_state.h"
#include "libos/syscalls/user_memory.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

long InstallPair(const fs::FilePtr& a, const fs::FilePtr& b, bool cloexec, int out[2]) {
  auto r = fs::FdTable::Get().InsertPair(a, b, cloexec, out);
  return r.ok() ? 0 : -r.error();
}

long InstallFile(const fs::FilePtr& f, bool cloexec) {
  auto fd = fs::FdTable::Get().Insert(f, cloexec);
  return fd.ok() ? *fd : -fd.error();
}

TempSigmask::TempSigmask(long mask_addr, long size) {
  if (!mask_addr) return;
  if (size != 8) {
    ok_ = false;
    return;
  }
  auto m = UserPtr<uint64_t>(mask_addr).Read();
  if (!m.ok()) {
    ok_ = false;
    return;
  }
  old_ = BlockedMask();
  SetGuestMask(*m);
  set_ = true;
}

TempSigmask::~TempSigmask() {
  if (set_) SetGuestMask(old_);
}

long TempSigmask::Finish(long result) {
  if (!set_) return result;
  set_ = false;
  if (result == -EINTR && DeliverableSignals()) {
    sched::Uthread* u = sched::Current();
    u->saved_mask = old_;
    u->restore_mask = true;
  } else {
    SetGuestMask(old_);
  }
  return result;
}

uint64_t DeadlineAfter(uint64_t ns) { return sched::NowNs() + ns; }

}  // namespace junction::libos
