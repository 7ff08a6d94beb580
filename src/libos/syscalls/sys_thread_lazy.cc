// clone and clone3 of a thread on the lazy path (kLazy). The full entry
// saves the caller's vector registers with XSAVEOPT, the child gets a copy
// of that image and starts with an XRSTOR of it, and the caller's return
// pays another XRSTOR (~300 ns of a create+join, docs/performance.md).
// Here the caller's registers are kept with plain moves in its uthread's
// vector area instead, as a blocking switch keeps them (sched/
// guest_vectors.h); the LibOS's clone code then runs as usual (%fs the
// LibOS's), the child starts from a copy of the moves' area, and the caller
// gets its registers back with moves. Processes (no CLONE_THREAD), clone_args
// this kthread does not know to be readable, and registers the moves cannot
// hold (PKRU, AMX...: SaveGuestVectors falls back to the xsave area) take the
// full handlers. Built with -mgeneral-regs-only.
#include <linux/sched.h>
#include <sched.h>
#include <sys/mman.h>

#include "libos/entry/libos_context.h"
#include "libos/entry/safe_copy.h"
#include "libos/syscalls/handlers.h"
#include "sched/guest_vectors.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

// On the guest's registers, as the dispatcher calls a kLazy handler (with
// strace on, DispatchWithLibc calls it in the LibOS's context).
bool UsableHere(const ThreadState* ts) { return !ts->in_libos && ts->current; }

// The thread clone `clone` (a CloneThreadKeptVectors call) in the LibOS's
// context with the caller's vector registers kept by moves; `full` (the
// whole handler, after a save to the xsave area) when they cannot be.
template <typename Clone>
long WithVectorsKept(const SyscallArgs& a, SyscallHandler full, Clone clone) {
  ThreadState* ts = CurrentThread();
  auto* self = static_cast<sched::Uthread*>(ts->current);
  uint64_t inuse = 0;
  sched::SavedVectors how = sched::SaveGuestVectors(ts, self->vec_area, &inuse);
  ts->guest_fs = ReadFsBase();
  WriteFsBase(ts->libos_fs);
  ts->in_libos = 1;
  // Saved to the xsave area, as EnterLibos does: the dispatcher's
  // LeaveLibos restores them.
  if (how == sched::SavedVectors::kXsave) return full(a);
  long ret = clone(KeptVectors{self->vec_area, inuse});
  ts = CurrentThread();
  WriteFsBase(ts->guest_fs);
  sched::RestoreGuestVectors(ts, sched::SavedVectors::kMoves, self->vec_area, inuse);
  ts->in_libos = 0;
  return ret;
}

}  // namespace

JUNCTION_HANDLER(clone_lazy) {
  ThreadState* ts = CurrentThread();
  auto flags = static_cast<unsigned long>(a.a[0]);
  if (!(flags & CLONE_THREAD) || !UsableHere(ts)) {
    EnterLibos(ts);
    return Sys_clone(a);
  }
  return WithVectorsKept(a, Sys_clone, [&](const KeptVectors& v) {
    return CloneThreadKeptVectors(flags & ~0xffUL, static_cast<uintptr_t>(a.a[1]),
                                  static_cast<uintptr_t>(a.a[2]), static_cast<uintptr_t>(a.a[3]),
                                  static_cast<uintptr_t>(a.a[4]), a, v);
  });
}

JUNCTION_HANDLER(clone3_lazy) {
  ThreadState* ts = CurrentThread();
  auto args = static_cast<uintptr_t>(a.a[0]);
  auto size = static_cast<size_t>(a.a[1]);
  // Read once here: the full handler reads the guest's struct again.
  clone_args ca{};
  bool known = size >= 64 && size <= 4096 && UsableHere(ts) && KnownGuestRange(ts, args, size, PROT_READ) &&
               SafeCopy(&ca, reinterpret_cast<const void*>(args), size < sizeof(ca) ? size : sizeof(ca));
  if (!known || !(ca.flags & CLONE_THREAD)) {
    EnterLibos(ts);
    if (!known && size >= 64 && size <= 4096) RememberGuestVma(ts, args);  // known next time
    return Sys_clone3(a);
  }
  return WithVectorsKept(a, Sys_clone3, [&](const KeptVectors& v) { return Clone3Thread(ca, a, &v); });
}

}  // namespace junction::libos
