// rseq(2) registration on the lazy path (kLazy): glibc registers every new
// thread's struct rseq. With one kthread (sched/single_kthread.h: nothing
// can unmap the area between the check and the registration, which
// RseqForgetRange would otherwise miss), a first registration of an area
// inside a writable guest VMA this kthread already knows is done on the
// guest's registers, as RseqRegister does it (signals/rseq.cc); anything
// else (unregistering, errors, unknown ranges) takes Sys_rseq. Built with
// -mgeneral-regs-only.
#include <sys/mman.h>

#include "libos/entry/libos_context.h"
#include "libos/entry/safe_copy.h"
#include "libos/syscalls/handlers.h"
#include "sched/single_kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

JUNCTION_HANDLER(rseq_lazy) {
  constexpr uint32_t kOrigRseqSize = 32, kRseqAlign = 32;  // as signals/rseq.cc
  ThreadState* ts = CurrentThread();
  auto* u = static_cast<sched::Uthread*>(ts->current);
  auto area = static_cast<uintptr_t>(a.a[0]);
  auto len = static_cast<uint32_t>(a.a[1]);
  if (sched::g_single_kthread && u && a.a[2] == 0 && !u->rseq_area && len >= kOrigRseqSize &&
      area % kRseqAlign == 0 && KnownGuestRange(ts, area, len, PROT_WRITE)) {
    auto cpu = static_cast<uint32_t>(ts->core);
    auto* words = reinterpret_cast<uint32_t*>(area);
    // Fault-tolerant stores; a faulting area takes the full handler.
    if (SafeStore32(&words[0], cpu) && SafeStore32(&words[1], cpu) &&  // cpu_id_start, cpu_id
        SafeStore32(&words[5], 0u) && SafeStore32(&words[6], 0u)) {    // node_id, mm_cid
      u->rseq_len = len;
      u->rseq_sig = static_cast<uint32_t>(a.a[3]);
      u->rseq_cpu = ts->core;
      __atomic_store_n(&u->rseq_area, area, __ATOMIC_RELEASE);
      return 0;
    }
  }
  EnterLibos(ts);
  if (area) RememberGuestVma(ts, area);
  return Sys_rseq(a);
}

}  // namespace junction::libos
