// Probe for docs/performance.md ("Fifth pass"): CPU time of the instructions
// a uthread switch on an AVX-512 CPU executes (zmm16-31, k0-7, MXCSR) or could
// use to tell whether the x87 unit is in use, each in a tight loop; and
// whether FNSTCW/FNSTSW mark the x87 unit in use (XINUSE bit 0).
//   gcc -O2 -mavx512f -mavx512bw -mfsgsbase -mxsave -mxsaveopt -mxsavec \
//     -o /tmp/si5 scripts/probes/switch_instructions_avx512.c && taskset -c 1 /tmp/si5
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define N 3000000
#include "loop_cpu_time.h"

static char area[4096] __attribute__((aligned(64)));

static unsigned xinuse(void) {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
  return lo;
}

int main(void) {
  uint64_t fs;
  unsigned mx;
  unsigned short cw, sw;
  __asm__ volatile("rdfsbase %0" : "=r"(fs));
  __asm__ volatile("stmxcsr %0" : "=m"(mx));
  printf("XINUSE %#x\n", xinuse());
  __asm__ volatile("fnstcw %0; fnstsw %1" : "=m"(cw), "=a"(sw));
  printf("XINUSE after FNSTCW, FNSTSW %#x\n", xinuse());
  BENCH("empty loop", __asm__ volatile("" ::: "memory"));
  BENCH("xgetbv(1)", xinuse());
  BENCH("wrfsbase", __asm__ volatile("wrfsbase %0" ::"r"(fs)));
  BENCH("rdfsbase", { uint64_t x; __asm__ volatile("rdfsbase %0" : "=r"(x)); });
  BENCH("rdtsc", { unsigned lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); });
  BENCH("stmxcsr", __asm__ volatile("stmxcsr %0" : "=m"(area[2112])::"memory"));
  BENCH("ldmxcsr", __asm__ volatile("ldmxcsr %0" ::"m"(mx) : "memory"));
  BENCH("8 kmovq stores", __asm__ volatile(
      ".irp n,0,1,2,3,4,5,6,7\n kmovq %%k\\n,(\\n*8)(%0)\n.endr" ::"r"(area + 2048) : "memory"));
  BENCH("8 kmovq loads", __asm__ volatile(
      ".irp n,0,1,2,3,4,5,6,7\n kmovq (\\n*8)(%0),%%k\\n\n.endr" ::"r"(area + 2048) : "memory"));
  BENCH("16 zmm stores", __asm__ volatile(
      ".irp n,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n vmovdqu64 %%zmm\\n,(\\n*64-1024)(%0)\n.endr"
      ::"r"(area + 1024) : "memory"));
  BENCH("16 zmm loads", __asm__ volatile(
      ".irp n,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n vmovdqu64 (\\n*64-1024)(%0),%%zmm\\n\n.endr"
      ::"r"(area + 1024) : "memory"));
  BENCH("vzeroupper", __asm__ volatile("vzeroupper" ::: "memory"));
  BENCH("fnstsw + fnstcw", __asm__ volatile("fnstsw %0; fnstcw %1" : "=a"(sw), "=m"(cw)));
  BENCH("fxsave", __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory"));
  BENCH("fnstenv", __asm__ volatile("fnstenv (%0)" ::"r"(area) : "memory"));
  BENCH("xsaveopt, x87 only", __asm__ volatile("xsaveopt64 (%0)" ::"r"(area), "a"(1), "d"(0) : "memory"));
  BENCH("xsavec, x87 only", __asm__ volatile("xsavec64 (%0)" ::"r"(area), "a"(1), "d"(0) : "memory"));
  return 0;
}
