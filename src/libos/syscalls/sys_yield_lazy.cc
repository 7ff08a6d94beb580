// sched_yield on the lazy path (kLazy): with nobody else runnable it
// returns at once on the guest's registers (the full path cost an
// XSAVEOPT/XRSTOR pair and two %fs writes, ~150 ns); a yield that switches
// keeps the guest's registers as a futex wait does (sched/kthread.cc,
// SwitchFrom). Built with -mgeneral-regs-only: Yield and what it calls
// (run-queue lengths, the timer deadline, the vDSO clock) touch no vector
// register and no %fs TLS.
#include "libos/syscalls/handlers.h"
#include "sched/kthread.h"

namespace junction::libos {

JUNCTION_HANDLER(sched_yield) {
  sched::Yield();
  return 0;
}

}  // namespace junction::libos
