#include "sched/uthread.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "base/fork_written.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/signals/signal_queue.h"
#include "sched/guest_vectors.h"

extern "C" void junction_uthread_trampoline();

namespace junction::sched {

namespace {
constexpr size_t kLibosStackSize = 256 * 1024;
constexpr size_t kGuardSize = 4096;

// Exited uthreads' memory, kept for the next thread: creating a thread
// then costs no host mmap/munmap (threads come and go in bursts).
constexpr int kCacheMax = 64;
JUNCTION_FORK_WRITTEN SpinLock g_cache_lock;
Uthread* g_cache[kCacheMax];
int g_cached = 0;
}

// One mapping per uthread, low to high: a guard page, the LibOS stack,
// the XSAVE area, the Uthread object, the guest vector area. The guard
// (PROT_NONE) turns a LibOS stack overflow into a fault reported as a LibOS
// bug instead of silently writing another uthread's memory. Every LibOS
// entry writes the XSAVE area's page; the object's often-written members
// (first in Uthread) share it, and the stack's top is page-aligned, so that
// the stack a system call uses starts a page of its own. After a host fork,
// both processes write these pages: each one more would be a copy-on-write
// fault in each (docs/performance.md, Processes, sixth round).
Uthread* CreateUthread(int tid, const libos::GuestContext& start, uintptr_t fs) {
  libos::ThreadState* ts = libos::CurrentThread();
  size_t xsize = (ts->xsave_size + 63) & ~size_t{63};
  size_t usize = (sizeof(Uthread) + 63) & ~size_t{63};
  size_t vsize = (kGuestVectorAreaSize + 63) & ~size_t{63};
  size_t objects = (xsize + usize + vsize + 4095) & ~size_t{4095};
  size_t total = kGuardSize + kLibosStackSize + objects;
  Uthread* old = nullptr;
  {
    SpinGuard g(g_cache_lock);
    if (g_cached > 0) old = g_cache[--g_cached];
  }
  uintptr_t base;
  if (old) {
    // Its object too: default-initialised again in place (sig_info is not
    // cleared: see uthread.h).
    base = old->mem_base;
    old->~Uthread();
  } else {
    long mem = host::Mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem < 0) return nullptr;
    base = static_cast<uintptr_t>(mem);
    if (host::Mprotect(base, kGuardSize, PROT_NONE) != 0) {
      host::Munmap(base, total);
      return nullptr;
    }
  }
  uintptr_t top = base + kGuardSize + kLibosStackSize;  // the stack's top, page-aligned
  static_assert(alignof(Uthread) <= 64);
  Uthread* u = new (reinterpret_cast<void*>(top + xsize)) Uthread;
  u->tid = tid;
  u->epoch = g_uthread_epoch;
  u->mem_base = base;
  u->mem_size = total;
  u->xsave_area = reinterpret_cast<uint8_t*>(top);  // 64-byte aligned (page)
  u->vec_area = reinterpret_cast<uint8_t*>(top + xsize + usize);
  u->libos_stack_top = top;
  u->guest_fs = fs;
  u->start_ctx = start;
  // The first switch to it pops six callee-saved registers and returns
  // into junction_uthread_trampoline.
  auto* sp = reinterpret_cast<uintptr_t*>(u->libos_stack_top - 64);
  for (int i = 0; i < 6; i++) sp[i] = 0;
  sp[6] = reinterpret_cast<uintptr_t>(&junction_uthread_trampoline);
  u->switch_rsp = reinterpret_cast<uintptr_t>(sp);
  return u;
}

void UthreadCacheForkLock() { g_cache_lock.lock(); }
void UthreadCacheForkUnlock() { g_cache_lock.unlock(); }

void FreeUthread(Uthread* u) {
  // Its queued real-time signals must not pass to a thread reusing it.
  libos::DiscardThreadSignals(u);
  u->sig_pending = 0;
  {
    SpinGuard g(g_cache_lock);
    if (g_cached < kCacheMax) {
      g_cache[g_cached++] = u;
      return;
    }
  }
  // The object lives in the memory it unmaps.
  uintptr_t base = u->mem_base;
  size_t size = u->mem_size;
  u->~Uthread();
  host::Munmap(base, size);
}

}  // namespace junction::sched
