#include "libos/proc/child_kthreads.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

#include <cstring>

#include "libos/entry/seccomp.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "sched/kthread.h"

namespace junction::libos {

namespace {

// Where the tid lies from %fs: kUnknown before the first kthread looked,
// kNone if it was not found or differed between threads.
constexpr int kUnknown = -1, kNone = -2;
int g_tid_offset = kUnknown;
// glibc's struct pthread starts at %fs with the TCB header (self pointers,
// the stack guard, ...): the tid is past it, well within these bounds.
constexpr int kSearchFrom = 0x40, kSearchTo = 0x400;

constexpr size_t kStackSize = 256 * 1024;  // as the first process's kthreads

struct StartArgs {
  int index;
  uint64_t host_mask;  // the starting kthread's, set by the new one when ready
};

// The LibOS's threads run without a host rseq registration (SetupThreadState
// drops glibc's): the copied area of the thread this one replaces says so,
// and glibc's sched_getcpu asks the vDSO.
void MarkRseqUnregistered() {
  if (__rseq_size == 0) return;
  auto* area = reinterpret_cast<struct rseq*>(ReadFsBase() + static_cast<uintptr_t>(__rseq_offset));
  area->rseq_cs = 0;
  area->cpu_id = static_cast<uint32_t>(RSEQ_CPU_ID_UNINITIALIZED);
}

void KthreadEntry(void* arg) {
  auto* a = static_cast<StartArgs*>(arg);
  MarkRseqUnregistered();
  sched::RunRestartedKthread(a->index, a->host_mask);
}

}  // namespace

void NoteKthreadDescriptor() {
  if (g_tid_offset == kNone) return;
  auto tid = static_cast<int>(host::Syscall(SYS_gettid));
  uintptr_t fs = ReadFsBase();
  int found = kNone;
  for (int off = kSearchFrom; off < kSearchTo; off += 4) {
    int v;
    std::memcpy(&v, reinterpret_cast<const void*>(fs + static_cast<uintptr_t>(off)), sizeof v);
    if (v == tid) {
      found = off;
      break;
    }
  }
  g_tid_offset = (g_tid_offset == kUnknown || g_tid_offset == found) ? found : kNone;
}

bool StartKthreadInChild(int index, uintptr_t tls) {
  if (g_tid_offset < 0) return false;
  long stack = host::Mmap(0, kStackSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack < 0) return false;
  uintptr_t top = (static_cast<uintptr_t>(stack) + kStackSize - sizeof(StartArgs)) & ~uintptr_t{15};
  auto* args = reinterpret_cast<StartArgs*>(top);
  // No host signal may reach the new thread before its %gs, alternate
  // stack and Syscall User Dispatch are set up (a raw clone inherits the
  // caller's mask).
  uint64_t all = ~uint64_t{0}, mask = 0;
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&all), host::L(&mask), 8);
  args->index = index;
  args->host_mask = mask;
  long r = junction_host_clone_thread(kThreadCloneFlags, top, reinterpret_cast<int*>(tls + static_cast<uintptr_t>(g_tid_offset)),
                                      tls, KthreadEntry, args);
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&mask), 0, 8);
  if (r < 0) {
    host::Munmap(static_cast<uintptr_t>(stack), kStackSize);
    return false;
  }
  return true;
}

}  // namespace junction::libos
