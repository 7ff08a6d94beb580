// Two threads hand a futex back and forth, each with its own values in every
// vector register (zmm0-31 and k0-7 with AVX-512, else ymm0-15 or xmm0-15),
// MXCSR and the x87 unit around each FUTEX_WAIT: thread A leaves the x87
// unit in its initial state, thread B changes its control word and keeps a
// value on its stack. A system call preserves all of that on Linux; under
// junction the waits block, so the registers must survive uthread switches
// (sched/guest_vectors.h). A second round does the same with sched_yield
// instead of the wait (a lazy call that switches between the two runnable
// uthreads), and a last one with a blocking read of a pipe the other thread
// writes (the token is a byte; a pipe read that blocks switches too).
// Prints the same lines natively and under junction.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vector_kind.h"

#define ROUNDS 2000

static int g_kind;
// With AVX-512, a last round keeps the upper halves of zmm0-15 zero (xmm
// values only, VZEROUPPER before the call): the switch then packs xmm0-15
// (sched/guest_vectors.S, the _lo variant); the check also sees that the
// upper halves come back zero.
static int g_xmm_only;
static uint32_t g_turn;  // 0: A's turn, 1: B's
// The call each side makes while it is not its turn: FUTEX_WAIT (202), or
// sched_yield (24: under junction both uthreads are runnable on one
// kthread, so each yield switches to the other).
static uint32_t g_nr = 202;
// The pipe round: g_pipe[side] is that side's inbox (side 0 = A).
static int g_use_pipe;
static int g_pipe[2][2];

// System call `nr` with arguments a0-a2 (futex(&g_turn, FUTEX_WAIT_PRIVATE,
// val), sched_yield, or read(fd, buf, 1)) with every vector register loaded
// from `in` (%rsi) before and stored to `out` (%rdx) after, in one asm
// block. The variants differ only in their loads, stores and clobbers.
#define REGS0_15(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define REGS16_31(M) \
  M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define CLOBBERS0_15                                                                        \
  "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
      "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define CLOBBERS16_31_K                                                                        \
  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25",     \
      "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k7"
#define WAIT_ASM(loads, stores, ...)                                                         \
  register long r10 __asm__("r10") = 0;                                                      \
  __asm__ volatile("push %%rsi\n push %%rdx\n" loads                                         \
                   "mov %[a2], %%rdx\n mov %[a1], %%rsi\n mov %k[nr], %%eax\n syscall\n"       \
                   "pop %%rdx\n pop %%rsi\n" stores                                          \
                   :                                                                         \
                   : "D"(a0), "S"(in), "d"(out), [a1] "r"(a1), [a2] "r"(a2), [nr] "r"(nr),     \
                     "r"(r10)                                                                \
                   : __VA_ARGS__)
#define WAIT_PARAMS long nr, long a0, long a1, long a2, const uint8_t *in, uint8_t *out
// 64-byte slots: zmm registers, or xmm in the low part; k1 and k7 after them.
#define LZ(i) "vmovdqu64 " #i "*64(%%rsi), %%zmm" #i "\n"
#define LX64(i) "vmovdqu " #i "*64(%%rsi), %%xmm" #i "\n"
#define SZ(i) "vmovdqu64 %%zmm" #i ", " #i "*64(%%rdx)\n"
#define LK "kmovq 2048(%%rsi), %%k1\n kmovq 2056(%%rsi), %%k7\n"
#define SK "kmovq %%k1, 2048(%%rdx)\n kmovq %%k7, 2056(%%rdx)\n"
// 32-byte slots (ymm), 16-byte slots (xmm).
#define LY(i) "vmovdqu " #i "*32(%%rsi), %%ymm" #i "\n"
#define SY(i) "vmovdqu %%ymm" #i ", " #i "*32(%%rdx)\n"
#define LX(i) "movdqu " #i "*16(%%rsi), %%xmm" #i "\n"
#define SX(i) "movdqu %%xmm" #i ", " #i "*16(%%rdx)\n"

__attribute__((target("avx512f,avx512bw"))) static void wait_avx512(WAIT_PARAMS) {
  WAIT_ASM(REGS0_15(LZ) REGS16_31(LZ) LK, REGS0_15(SZ) REGS16_31(SZ) SK, CLOBBERS0_15,
           CLOBBERS16_31_K);
}

__attribute__((target("avx512f,avx512bw"))) static void wait_avx512_xmm(WAIT_PARAMS) {
  WAIT_ASM(REGS0_15(LX64) REGS16_31(LZ) LK "vzeroupper\n", REGS0_15(SZ) REGS16_31(SZ) SK,
           CLOBBERS0_15, CLOBBERS16_31_K);
}

__attribute__((target("avx"))) static void wait_avx(WAIT_PARAMS) {
  WAIT_ASM(REGS0_15(LY), REGS0_15(SY), CLOBBERS0_15);
}

static void wait_sse(WAIT_PARAMS) {
  WAIT_ASM(REGS0_15(LX), REGS0_15(SX), CLOBBERS0_15);
}

static size_t vector_bytes(void) {
  return g_kind == kAvx512 ? 2064 : g_kind == kAvx ? 512 : 256;
}

static void wake(void) {
  register long r10 __asm__("r10") = 0;
  long ret;
  __asm__ volatile("mov $202, %%eax\n syscall"
                   : "=a"(ret)
                   : "D"(&g_turn), "S"(0x81), "d"(1), "r"(r10)
                   : "rcx", "r11", "memory");
}

// One call with every register loaded from `in`; 1 if all came back.
static int checked_call(WAIT_PARAMS) {
  memset(out, 0, vector_bytes());
  if (g_kind == kAvx512 && g_xmm_only)
    wait_avx512_xmm(nr, a0, a1, a2, in, out);
  else if (g_kind == kAvx512)
    wait_avx512(nr, a0, a1, a2, in, out);
  else if (g_kind == kAvx)
    wait_avx(nr, a0, a1, a2, in, out);
  else
    wait_sse(nr, a0, a1, a2, in, out);
  return memcmp(in, out, vector_bytes()) == 0;
}

// Waits until it is `side`'s turn, checking every register it loaded: while
// g_turn == !side (futex wait or yield), or reads the byte in its inbox.
static int checked_wait(uint32_t side, const uint8_t* in, uint8_t* out) {
  if (g_use_pipe) {
    static __thread char byte;
    byte = 0;
    int ok = checked_call(0, g_pipe[side][0], (long)&byte, 1, in, out);
    return ok && byte == 'x';  // the read returned the other side's byte
  }
  int ok = 1;
  uint32_t val = !side;
  while (__atomic_load_n(&g_turn, __ATOMIC_SEQ_CST) == val)
    ok &= checked_call(g_nr, (long)&g_turn, 0x80, val, in, out);
  return ok;
}

// Gives the turn to the other side.
static void pass_turn(uint32_t side) {
  if (g_use_pipe) {
    if (write(g_pipe[!side][1], "x", 1) != 1) perror("write");
    return;
  }
  __atomic_store_n(&g_turn, !side, __ATOMIC_SEQ_CST);
  wake();
}

struct Side {
  const char* name;
  uint32_t my_turn;
  uint32_t mxcsr;
  int dirty_x87;  // B: control word 0x27f and pi on the x87 stack
  int ok;
};

static void* run(void* arg) {
  struct Side* s = arg;
  static __thread uint8_t in[2112], out[2112];
  for (size_t i = 0; i < sizeof(in); i++) in[i] = (uint8_t)(i * 7 + s->my_turn * 101 + 3);
  if (g_xmm_only)  // zmm0-15: the xmm part only
    for (size_t i = 0; i < 1024; i++)
      if (i % 64 >= 16) in[i] = 0;
  __asm__ volatile("ldmxcsr %0" ::"m"(s->mxcsr));
  uint16_t fcw = 0x27f;
  if (s->dirty_x87) __asm__ volatile("fldcw %0\n fldpi" ::"m"(fcw));
  int ok = 1;
  for (int r = 0; r < ROUNDS; r++) {
    ok &= checked_wait(s->my_turn, in, out);  // until it is my turn
    uint32_t mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    ok &= mxcsr == s->mxcsr;
    struct { uint16_t cw, pad0, sw, pad1, tags, pad2; uint32_t rest[4]; } env;
    __asm__ volatile("fnstenv %0\n fldcw %0" : "=m"(env));
    ok &= s->dirty_x87 ? env.cw == 0x27f && env.tags != 0xffff : env.cw == 0x37f && env.tags == 0xffff;
    pass_turn(s->my_turn);
  }
  if (s->dirty_x87) {
    double pi;
    __asm__ volatile("fstpl %0" : "=m"(pi));
    ok &= pi > 3.14159 && pi < 3.1416;
  }
  uint32_t def = 0x1f80;
  __asm__ volatile("ldmxcsr %0" ::"m"(def));
  s->ok = ok;
  return NULL;
}

int main(void) {
  g_kind = vector_kind();
  int all_ok = 1;
  // Rounds: futex, sched_yield, (AVX-512 only) futex with the upper halves
  // of zmm0-15 zero, a pipe read. The third prints the same lines everywhere.
  for (int round = 0; round < 4; round++) {
    int yield = round == 1;
    g_xmm_only = round == 2 && g_kind == kAvx512;
    g_use_pipe = round == 3;
    const char* how = round == 0   ? "futex"
                      : yield      ? "sched_yield"
                      : g_use_pipe ? "pipe read"
                                   : "futex, xmm0-15 only";
    g_nr = yield ? 24 : 202;
    g_turn = 0;
    if (g_use_pipe) {
      if (pipe(g_pipe[0]) || pipe(g_pipe[1])) return 2;
      if (write(g_pipe[0][1], "x", 1) != 1) return 2;  // A's turn first
    }
    struct Side sa = {"A", 0, 0x1f80 | 0x6000, 0, 0}, sb = {"B", 1, 0x1f80 | 0x2000, 1, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run, &sa);
    pthread_create(&tb, NULL, run, &sb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    printf("%s A: %d rounds, registers %s\n", how, ROUNDS, sa.ok ? "kept" : "CHANGED");
    printf("%s B: %d rounds, registers and x87 stack %s\n", how, ROUNDS, sb.ok ? "kept" : "CHANGED");
    all_ok &= sa.ok && sb.ok;
    if (g_use_pipe)
      for (int i = 0; i < 4; i++) close(g_pipe[i / 2][i % 2]);
  }
  return all_ok ? 0 : 1;
}
