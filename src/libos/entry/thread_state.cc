#include "libos/entry/thread_state.h"

#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

#include <new>

#include "libos/host/host.h"

namespace junction::libos {

namespace {

constexpr size_t kLibosStackSize = 512 * 1024;
constexpr size_t kGuardSize = 4096;

uint64_t Xcr0() {
  uint32_t lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

// The state components the LibOS saves and restores for the guest: XCR0's,
// less the dynamic ones the kernel keeps disabled (XFD) until a process asks
// for them (AMX tile data). The kernel's signal frames hold no such state
// either, and CPUID's size for all of XCR0 counts it: 11008 bytes on a host
// with AMX against the frames' 2816, so the preemption handler's copy of a
// frame's XSAVE image read 8 KiB past the signal stack (a LibOS SIGSEGV).
uint64_t SavedFeatures() {
  uint64_t mask = Xcr0();
  for (unsigned i = 2; i < 64; i++) {
    if (!(mask >> i & 1)) continue;
    unsigned a, b, c, d;
    __cpuid_count(0xd, i, a, b, c, d);
    if (c & 4) mask &= ~(uint64_t{1} << i);  // XFD-capable: dynamic
  }
  return mask;
}

// Bytes of the standard-format XSAVE image of `mask`: the legacy area and
// header, then each component at its fixed offset.
size_t XsaveSize(uint64_t mask) {
  size_t size = 512 + 64;
  for (unsigned i = 2; i < 64; i++) {
    if (!(mask >> i & 1)) continue;
    unsigned a, b, c, d;
    __cpuid_count(0xd, i, a, b, c, d);
    if (a && b + a > size) size = b + a;
  }
  return size;
}

// The host rseq registration glibc made for this thread, dropped: the
// LibOS never reads it (glibc's sched_getcpu falls back to the vDSO once
// the kernel has marked the area unregistered), and the kernel's update
// of it after every switch writes the thread's TCB page, after a fork one
// more copy-on-write fault in each process.
void DropHostRseq() {
  if (__rseq_size == 0) return;
  uintptr_t area = ReadFsBase() + static_cast<uintptr_t>(__rseq_offset);
  // The kernel wants the registered length back: glibc 2.35-2.39 register
  // 32 bytes though __rseq_size says 20, later ones __rseq_size.
  if (host::Syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0)
    host::Syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

}  // namespace

ThreadState* SetupThreadState() {
  DropHostRseq();
  const uint64_t features = SavedFeatures();
  const size_t xsave_size = XsaveSize(features);
  size_t xsize = (xsave_size + 63) & ~size_t{63};
  // Low to high: a guard page (PROT_NONE: a LibOS stack overflow faults and
  // is reported as a LibOS bug instead of writing over what lies below),
  // the LibOS stack, the ThreadState and its XSAVE area.
  size_t objects = (sizeof(ThreadState) + 63 + xsize + 4095) & ~size_t{4095};
  size_t total = kGuardSize + kLibosStackSize + objects;
  long mem = host::Mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem < 0) return nullptr;
  auto base = static_cast<uintptr_t>(mem);
  if (host::Mprotect(base, kGuardSize, PROT_NONE) != 0) {
    host::Munmap(base, total);
    return nullptr;
  }
  uintptr_t top = base + kGuardSize + kLibosStackSize;  // page-aligned
  auto* ts = new (reinterpret_cast<void*>(top)) ThreadState{};
  ts->self = ts;
  uintptr_t xs = (top + sizeof(ThreadState) + 63) & ~uintptr_t{63};
  ts->xsave_area = reinterpret_cast<uint8_t*>(xs);
  ts->xsave_mask = features;
  ts->xsave_size = static_cast<uint32_t>(xsave_size);
  ts->libos_stack_top = top;
  ts->libos_fs = ReadFsBase();
  ts->preempt_timer = -1;
  ts->in_libos = 1;
  ts->lazy_host_fd = -1;
  ts->lazy_object = nullptr;
  ts->deferred_wakes = nullptr;
  asm volatile("wrgsbase %0" ::"r"(reinterpret_cast<uintptr_t>(ts)) : "memory");
  return ts;
}

}  // namespace junction::libos
