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

size_t XsaveSize() {
  unsigned a, b, c, d;
  __cpuid_count(0xd, 0, a, b, c, d);
  return b;  // size for the features enabled in XCR0
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
  size_t xsize = (XsaveSize() + 63) & ~size_t{63};
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
  ts->xsave_mask = Xcr0();
  ts->xsave_size = static_cast<uint32_t>(XsaveSize());
  ts->libos_stack_top = top;
  ts->libos_fs = ReadFsBase();
  ts->preempt_timer = -1;
  ts->in_libos = 1;
  ts->lazy_host_fd = -1;
  ts->lazy_object = nullptr;
  asm volatile("wrgsbase %0" ::"r"(reinterpret_cast<uintptr_t>(ts)) : "memory");
  return ts;
}

}  // namespace junction::libos
