#include "libos/entry/thread_state.h"

#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <new>

#include "libos/host/host.h"

namespace junction::libos {

namespace {

constexpr size_t kLibosStackSize = 512 * 1024;

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

}  // namespace

ThreadState* SetupThreadState() {
  size_t xsize = (XsaveSize() + 63) & ~size_t{63};
  size_t total = sizeof(ThreadState) + xsize + 64 + kLibosStackSize;
  long mem = host::Mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem < 0) return nullptr;
  auto base = static_cast<uintptr_t>(mem);
  auto* ts = new (reinterpret_cast<void*>(base)) ThreadState{};
  ts->self = ts;
  uintptr_t xs = (base + sizeof(ThreadState) + 63) & ~uintptr_t{63};
  ts->xsave_area = reinterpret_cast<uint8_t*>(xs);
  ts->xsave_mask = Xcr0();
  ts->xsave_size = static_cast<uint32_t>(XsaveSize());
  ts->libos_stack_top = (base + total) & ~uintptr_t{15};
  ts->libos_fs = ReadFsBase();
  ts->preempt_timer = -1;
  ts->in_libos = 1;
  ts->lazy_host_fd = -1;
  ts->lazy_object = nullptr;
  asm volatile("wrgsbase %0" ::"r"(reinterpret_cast<uintptr_t>(ts)) : "memory");
  return ts;
}

}  // namespace junction::libos
