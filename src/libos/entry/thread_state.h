// Per-kthread LibOS state, reached through %gs (the guest owns %fs).
// The first fields are read by the entry assembly at fixed offsets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "libos/entry/thread_offsets.h"

namespace junction::libos {

struct alignas(64) ThreadState {
  ThreadState* self;          // TS_SELF: %gs:0 yields this pointer
  uintptr_t guest_rsp;        // TS_GUEST_RSP: guest stack while in the LibOS
  uintptr_t libos_stack_top;  // TS_LIBOS_STACK_TOP: 16-byte aligned
  uintptr_t guest_fs;         // TS_GUEST_FS: the guest's %fs base
  uintptr_t libos_fs;         // TS_LIBOS_FS: the LibOS's own TLS (glibc)
  uint8_t sud_selector;       // TS_SUD_SELECTOR: Syscall User Dispatch byte
  // TS_SIGNAL_PENDING: nonzero while a signal the guest has not blocked is
  // pending; the syscall exit path then delivers it (signals/delivery.cc).
  uint8_t signal_pending;
  // 1 while the LibOS context is loaded (guest vector state saved in
  // xsave_area, %fs = libos_fs); 0 while a kFast/kLazy handler runs on the
  // guest's registers (libos/entry/libos_context.h).
  uint8_t in_libos;
  // 1 if the x87 registers hold their initial values as far as a program
  // can tell (sched/guest_vectors.h); 0 if unknown.
  uint8_t x87_clean;
  // The guest_ranges entry KnownGuestRange found last for the running
  // uthread (kept per uthread across switches): a thread's calls mostly
  // touch one VMA (a futex word, a buffer on its stack), checked first.
  mutable uint8_t guest_range_hint;
  // TS_RSB_SPOILT: 1 after a lazy handler's host call (LazyHostCall): the
  // CPU's return stack buffer then holds the kernel's return addresses,
  // and the syscall exit returns by an indirect jump (syscall_entry.S).
  uint8_t rsb_spoilt;
  // TS_HOST_WAIT_ABORT: 1 when a signal for the uthread in a HostWaitCall
  // arrived before its host call began: the abortable stub then returns
  // -EINTR instead of entering the call (sched/preempt.cc).
  uint8_t host_wait_abort;
  uint8_t pad0[1];
  // Extended (x87/SSE/AVX/AVX-512) state of the guest, saved by the slow
  // dispatch path before LibOS code that may use vector registers runs.
  uint8_t* xsave_area;
  uint64_t xsave_mask;
  uint32_t xsave_size;        // bytes of the (standard-format) XSAVE image
  long cur_syscall;           // number of the call being handled (restarts)
  void* current;              // sched::Uthread running here (nullptr: scheduler loop)
  void* kthread;              // sched's Kthread for this host thread
  int preempt_timer;          // host timer id (sched/preempt.h), -1 if none
  // Guest VMAs a lazy handler may touch without the mm lock (filled by the
  // LibOS context, valid while AddressSpace::generation() is unchanged).
  struct GuestRange {
    uint64_t generation;
    uintptr_t start, end;
    int prot;
    bool shared;  // MAP_SHARED: futexes there may have other processes' waiters
    bool never_accessible;  // holds no page (Vma::never_accessible)
  };
  static constexpr int kGuestRanges = 4;
  GuestRange guest_ranges[kGuestRanges];
  uint32_t guest_range_next;
  int core;  // which of the container's cores this kthread is (getcpu)
  // The host descriptor a lazy handler is using right now (-1: none); a
  // HostFile does not close it meanwhile (sched::HostFdInLazyUse).
  int lazy_host_fd;
  // The LibOS object a lazy handler is using right now (nullptr: none);
  // it is not destroyed meanwhile (sched::InLazyUse).
  const void* lazy_object;
  // The ipc::DeferWakes alive on this kthread (nullptr: none): socket
  // wake-ups wait for its end (libos/ipc/defer_wakes.h).
  void* deferred_wakes;
};

static_assert(offsetof(ThreadState, self) == TS_SELF);
static_assert(offsetof(ThreadState, guest_rsp) == TS_GUEST_RSP);
static_assert(offsetof(ThreadState, libos_stack_top) == TS_LIBOS_STACK_TOP);
static_assert(offsetof(ThreadState, guest_fs) == TS_GUEST_FS);
static_assert(offsetof(ThreadState, libos_fs) == TS_LIBOS_FS);
static_assert(offsetof(ThreadState, sud_selector) == TS_SUD_SELECTOR);
static_assert(offsetof(ThreadState, signal_pending) == TS_SIGNAL_PENDING);
static_assert(offsetof(ThreadState, in_libos) == TS_IN_LIBOS);
static_assert(offsetof(ThreadState, rsb_spoilt) == TS_RSB_SPOILT);
static_assert(offsetof(ThreadState, host_wait_abort) == TS_HOST_WAIT_ABORT);
static_assert(offsetof(ThreadState, cur_syscall) == TS_CUR_SYSCALL);

// The calling kthread's state. Valid once SetupThreadState() ran on it.
inline ThreadState* CurrentThread() {
  ThreadState* ts;
  asm volatile("mov %%gs:0, %0" : "=r"(ts));
  return ts;
}

// Allocates the state, its LibOS stack and xsave area, and points %gs at it.
ThreadState* SetupThreadState();

inline uintptr_t ReadFsBase() {
  uintptr_t v;
  asm volatile("rdfsbase %0" : "=r"(v));
  return v;
}
inline void WriteFsBase(uintptr_t v) { asm volatile("wrfsbase %0" ::"r"(v) : "memory"); }

// For the "LibOS bug" report of a fault in LibOS code: whether the fault
// address is at the stack pointer (a push or call, or a store into a frame
// just allocated), which is what running into the guard page below a LibOS
// stack looks like.
inline bool FaultAtStackPointer(uintptr_t fault_addr, uintptr_t rsp) {
  return fault_addr + 128 >= rsp && fault_addr < rsp + 65536;
}

}  // namespace junction::libos
