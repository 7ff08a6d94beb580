// Raw clone3 and clone of a thread: right after the call, the child's
// vector registers (zmm0-31 and k1/k7 with AVX-512, else ymm0-15 or
// xmm0-15), MXCSR and x87 unit (control word, tags, the value on top of its
// stack) are the parent's, and the parent's are unchanged: Linux copies the
// caller's registers into the child and a system call keeps them. Under
// junction a thread clone takes the lazy path (libos/syscalls/
// sys_thread_lazy.cc): the registers are kept with moves, not an XSAVE
// image, and the child's first run loads them so. Rounds: the upper halves
// of zmm0-15 in use or zero (VZEROUPPER), the x87 unit initial, dirty (a
// value on its stack, control word 0x27f), then clean again.
// Prints the same lines natively and under junction.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vector_kind.h"

static int g_kind;
static int g_xmm_only;  // AVX-512: xmm values only in zmm0-15, upper halves zero

// Registers at 0 (64-byte slots for zmm, 32 for ymm, 16 for xmm), k1 and
// k7 at 2048, MXCSR at 2112, FNSTENV's 28 bytes at 2120, the x87 top at 2152.
enum { kMxcsr = 2112, kEnv = 2120, kTop = 2152, kAreaSize = 2160 };
static uint8_t g_in[kAreaSize] __attribute__((aligned(64)));
static uint8_t g_child[kAreaSize] __attribute__((aligned(64)));
static uint8_t g_parent[kAreaSize] __attribute__((aligned(64)));
static uint8_t g_stack[65536] __attribute__((aligned(64)));
static volatile uint32_t g_tid;  // CLONE_PARENT_SETTID, cleared at the child's exit

#define REGS0_15(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define REGS16_31(M) \
  M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define CLOBBERS0_15                                                                                \
  "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
      "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define CLOBBERS16_31_K                                                                             \
  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", \
      "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k7"
// Loads from %rbx, the call, then the child stores to %r12 and exits, the
// parent stores to %r13. The child runs on g_stack and touches nothing else.
#define X87_STORE(reg) "stmxcsr 2112(" reg ")\n fnstenv 2120(" reg ")\n fstpl 2152(" reg ")\n"
#define CLONE_ASM(loads, child_stores, parent_stores, ...)                                          \
  register long r10 __asm__("r10") = a3;                                                           \
  register long r8 __asm__("r8") = a4;                                                             \
  register uint8_t* r12 __asm__("r12") = g_child;                                                  \
  register uint8_t* r13 __asm__("r13") = g_parent;                                                 \
  __asm__ volatile(loads "syscall\n test %%rax, %%rax\n jnz 1f\n" child_stores X87_STORE("%%r12")    \
                   "mov $60, %%eax\n xor %%edi, %%edi\n syscall\n ud2\n"                             \
                   "1:\n" parent_stores X87_STORE("%%r13")                                          \
                   : "+a"(ret)                                                                      \
                   : "b"(g_in), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r12), "r"(r13)     \
                   : __VA_ARGS__)
#define CLONE_PARAMS long nr, long a0, long a1, long a2, long a3, long a4

#define LZ(i) "vmovdqu64 " #i "*64(%%rbx), %%zmm" #i "\n"
#define LX64(i) "vmovdqu " #i "*64(%%rbx), %%xmm" #i "\n"
#define SZC(i) "vmovdqu64 %%zmm" #i ", " #i "*64(%%r12)\n"
#define SZP(i) "vmovdqu64 %%zmm" #i ", " #i "*64(%%r13)\n"
#define LK "kmovq 2048(%%rbx), %%k1\n kmovq 2056(%%rbx), %%k7\n"
#define SKC "kmovq %%k1, 2048(%%r12)\n kmovq %%k7, 2056(%%r12)\n"
#define SKP "kmovq %%k1, 2048(%%r13)\n kmovq %%k7, 2056(%%r13)\n"
#define LY(i) "vmovdqu " #i "*32(%%rbx), %%ymm" #i "\n"
#define SYC(i) "vmovdqu %%ymm" #i ", " #i "*32(%%r12)\n"
#define SYP(i) "vmovdqu %%ymm" #i ", " #i "*32(%%r13)\n"
#define LX(i) "movdqu " #i "*16(%%rbx), %%xmm" #i "\n"
#define SXC(i) "movdqu %%xmm" #i ", " #i "*16(%%r12)\n"
#define SXP(i) "movdqu %%xmm" #i ", " #i "*16(%%r13)\n"

__attribute__((target("avx512f,avx512bw"))) static long clone_avx512(CLONE_PARAMS) {
  long ret = nr;
  CLONE_ASM(REGS0_15(LZ) REGS16_31(LZ) LK, REGS0_15(SZC) REGS16_31(SZC) SKC,
            REGS0_15(SZP) REGS16_31(SZP) SKP, CLOBBERS0_15, CLOBBERS16_31_K);
  return ret;
}

__attribute__((target("avx512f,avx512bw"))) static long clone_avx512_xmm(CLONE_PARAMS) {
  long ret = nr;
  CLONE_ASM(REGS0_15(LX64) REGS16_31(LZ) LK "vzeroupper\n", REGS0_15(SZC) REGS16_31(SZC) SKC,
            REGS0_15(SZP) REGS16_31(SZP) SKP, CLOBBERS0_15, CLOBBERS16_31_K);
  return ret;
}

__attribute__((target("avx"))) static long clone_avx(CLONE_PARAMS) {
  long ret = nr;
  CLONE_ASM(REGS0_15(LY), REGS0_15(SYC), REGS0_15(SYP), CLOBBERS0_15);
  return ret;
}

static long clone_sse(CLONE_PARAMS) {
  long ret = nr;
  CLONE_ASM(REGS0_15(LX), REGS0_15(SXC), REGS0_15(SXP), CLOBBERS0_15);
  return ret;
}

static size_t vector_bytes(void) { return g_kind == kAvx512 ? 2064 : g_kind == kAvx ? 512 : 256; }

// What one side stored: the registers, MXCSR, and the x87 unit as set up.
static int same_state(const uint8_t* got, uint32_t mxcsr, int dirty_x87) {
  if (memcmp(got, g_in, vector_bytes()) != 0) return 0;
  uint32_t m;
  memcpy(&m, got + kMxcsr, 4);
  uint16_t cw, tags;
  memcpy(&cw, got + kEnv, 2);
  memcpy(&tags, got + kEnv + 8, 2);
  double top;
  memcpy(&top, got + kTop, 8);
  if (m != mxcsr) return 0;
  if (dirty_x87) return cw == 0x27f && tags != 0xffff && top > 3.14159 && top < 3.1416;
  return cw == 0x37f && tags == 0xffff && top != top;  // an empty stack pops a NaN
}

static long do_clone(int use_clone3) {
  const long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  struct clone_args ca;
  memset(&ca, 0, sizeof(ca));
  ca.flags = (uint64_t)flags;
  ca.parent_tid = ca.child_tid = (uint64_t)(uintptr_t)&g_tid;
  ca.stack = (uint64_t)(uintptr_t)g_stack;
  ca.stack_size = sizeof(g_stack);
  long nr = use_clone3 ? SYS_clone3 : SYS_clone;
  long a0 = use_clone3 ? (long)&ca : flags, a1 = use_clone3 ? (long)sizeof(ca) : (long)(g_stack + sizeof(g_stack));
  long a2 = use_clone3 ? 0 : (long)&g_tid, a3 = use_clone3 ? 0 : (long)&g_tid;
  if (g_kind == kAvx512 && g_xmm_only) return clone_avx512_xmm(nr, a0, a1, a2, a3, 0);
  if (g_kind == kAvx512) return clone_avx512(nr, a0, a1, a2, a3, 0);
  if (g_kind == kAvx) return clone_avx(nr, a0, a1, a2, a3, 0);
  return clone_sse(nr, a0, a1, a2, a3, 0);
}

int main(void) {
  g_kind = vector_kind();
  int all_ok = 1;
  static const char* const kX87[] = {"x87 clean", "x87 dirty", "x87 clean again"};
  for (int use_clone3 = 1; use_clone3 >= 0; use_clone3--)
    for (int xmm_only = 0; xmm_only < 2; xmm_only++)
      for (int x87 = 0; x87 < 3; x87++) {
        g_xmm_only = xmm_only && g_kind == kAvx512;
        for (size_t i = 0; i < sizeof(g_in); i++) g_in[i] = (uint8_t)(i * 13 + x87 * 29 + xmm_only * 7 + 5);
        if (g_xmm_only)
          for (size_t i = 0; i < 1024; i++)
            if (i % 64 >= 16) g_in[i] = 0;
        memset(g_child, 0, sizeof(g_child));
        memset(g_parent, 0, sizeof(g_parent));
        uint32_t mxcsr = 0x1f80 | (uint32_t)(x87 + 1) << 13, def = 0x1f80;
        uint16_t cw = 0x27f;
        int dirty = x87 == 1;
        __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
        if (dirty) __asm__ volatile("fldcw %0\n fldpi" ::"m"(cw));
        long tid = do_clone(use_clone3);
        __asm__ volatile("ldmxcsr %0" ::"m"(def));
        if (tid <= 0) {
          printf("%s failed: %ld\n", use_clone3 ? "clone3" : "clone", tid);
          return 1;
        }
        // The child's exit clears g_tid and wakes (CLONE_CHILD_CLEARTID).
        for (uint32_t t; (t = g_tid) != 0;) syscall(SYS_futex, &g_tid, FUTEX_WAIT, t, NULL, NULL, 0);
        // The stores popped the pushed value (or a NaN off an empty stack).
        __asm__ volatile("fninit");
        int child_ok = same_state(g_child, mxcsr, dirty), parent_ok = same_state(g_parent, mxcsr, dirty);
        printf("%s, %s, %s: child %s, parent %s\n", use_clone3 ? "clone3" : "clone",
               xmm_only ? "upper halves zero" : "full vectors", kX87[x87],
               child_ok ? "has the parent's registers" : "DIFFERS", parent_ok ? "kept its registers" : "CHANGED");
        all_ok &= child_ok && parent_ok;
      }
  return all_ok ? 0 : 1;
}
