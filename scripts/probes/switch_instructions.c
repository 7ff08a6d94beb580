// Probe for docs/performance.md ("Fourth pass"): CPU time of the instructions
// a uthread switch on the guest's registers executes (or could), each in a
// tight loop. Thread CPU time, not the TSC: on a loaded machine the TSC also
// counts other processes' slices.
//   gcc -O2 -mavx2 -mfsgsbase -o /tmp/si scripts/probes/switch_instructions.c && taskset -c 1 /tmp/si
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define N 5000000
#include "loop_cpu_time.h"

static char area[4096] __attribute__((aligned(64)));

int main(void) {
  uint64_t fs;
  __asm__ volatile("rdfsbase %0" : "=r"(fs));
  BENCH("empty loop", __asm__ volatile("" ::: "memory"));
  BENCH("xgetbv(1)", { unsigned lo, hi; __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1)); });
  BENCH("wrfsbase", __asm__ volatile("wrfsbase %0" ::"r"(fs)));
  BENCH("rdfsbase", { uint64_t x; __asm__ volatile("rdfsbase %0" : "=r"(x)); });
  BENCH("rdtsc", { unsigned lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); });
  BENCH("rep stosq, 56 bytes", {
    void* d = area;
    uint64_t c = 7;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(c) : "a"(0) : "memory");
  });
  BENCH("xchg with memory", { char v = 1; __asm__ volatile("xchgb %0, %1" : "+q"(v), "+m"(area[0])::"memory"); });
  BENCH("pushfq (+ add rsp)", __asm__ volatile("pushfq\n add $8, %%rsp" ::: "memory", "cc"));
  BENCH("stmxcsr", __asm__ volatile("stmxcsr %0" : "=m"(area[64])));
  BENCH("16 ymm stores", __asm__ volatile(
      ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n vmovdqu %%ymm\\n, (\\n*32)(%0)\n .endr" ::"r"(area)
      : "memory"));
  BENCH("16 ymm loads", __asm__ volatile(
      ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n vmovdqu (\\n*32)(%0), %%ymm\\n\n .endr" ::"r"(area)
      : "memory"));
  BENCH("fxsave", __asm__ volatile("fxsave64 %0" : "=m"(area)));
  BENCH("xsaveopt, x87 only", __asm__ volatile("xsaveopt64 %0" ::"m"(area), "a"(1), "d"(0) : "memory"));
  BENCH("xsavec, x87 only", __asm__ volatile("xsavec64 %0" ::"m"(area), "a"(1), "d"(0) : "memory"));
  BENCH("fnstenv (FCW already 0x37f)", __asm__ volatile("fnstenv %0" : "=m"(area)));
  BENCH("fnstsw ax + fnstcw", {
    uint16_t a, b;
    __asm__ volatile("fnstsw %%ax\n fnstcw %1" : "=a"(a), "=m"(b));
  });
  BENCH("fxam + fnstsw ax", { uint16_t a; __asm__ volatile("fxam\n fnstsw %%ax" : "=a"(a)); });
  BENCH("fninit", __asm__ volatile("fninit"));
  return 0;
}
