// Handlers cheap enough to run on the fast path: no vector registers
// (this file is compiled with -mgeneral-regs-only), no libc, no TLS.
#include "libos/entry/thread_state.h"
#include "libos/process.h"
#include "sched/uthread.h"
#include "libos/syscalls/handlers.h"

namespace junction::libos {

JUNCTION_HANDLER(getpid) { return CurrentProcess().pid; }
JUNCTION_HANDLER(gettid) {
  return static_cast<const sched::Uthread*>(CurrentThread()->current)->tid;
}
JUNCTION_HANDLER(getuid) { return CurrentProcess().uid; }
JUNCTION_HANDLER(geteuid) { return CurrentProcess().euid; }
JUNCTION_HANDLER(getgid) { return CurrentProcess().gid; }
JUNCTION_HANDLER(getegid) { return CurrentProcess().egid; }
JUNCTION_HANDLER(set_robust_list) {
  if (static_cast<size_t>(a.a[1]) != 24) return -EINVAL;  // sizeof(struct robust_list_head)
  auto* u = static_cast<sched::Uthread*>(CurrentThread()->current);
  u->robust_list = static_cast<uintptr_t>(a.a[0]);
  u->robust_list_len = static_cast<size_t>(a.a[1]);
  return 0;
}
JUNCTION_HANDLER(umask) {
  Process& p = CurrentProcess();
  long old = p.umask;
  p.umask = static_cast<uint32_t>(a.a[0]) & 0777;
  return old;
}

}  // namespace junction::libos
