// Checks that a system call preserves what Linux preserves: every general
// register but rax/rcx/r11, the flags, the vector registers (xmm/ymm/zmm),
// MXCSR and the x87 control word — on the first execution of a site (the
// LibOS's trap path) and on later ones (the rewritten fast path), with live
// data in the red zone. Prints the same lines natively and under junction.
#include <immintrin.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// getpid through `mov $39,%eax; syscall` with every other GPR holding a
// known value and 128 bytes of red zone below %rsp filled with a pattern.
static int gpr_and_redzone_check(void) {
  uint64_t out[13];
  uint64_t redzone_ok;
  __asm__ volatile(
      "push %%rbx\n push %%rbp\n push %%r12\n push %%r13\n push %%r14\n push %%r15\n"
      "push %[out]\n"
      // fill the red zone [rsp-128, rsp) with a pattern
      "mov $16, %%ecx\n"
      "2: mov %%rcx, %%rax\n imul $0x11111111, %%rax\n mov %%rax, -136(%%rsp,%%rcx,8)\n loop 2b\n"
      "mov $0x1001, %%rbx\n mov $0x1002, %%rdx\n mov $0x1003, %%rsi\n mov $0x1004, %%rdi\n"
      "mov $0x1005, %%rbp\n mov $0x1006, %%r8\n mov $0x1007, %%r9\n mov $0x1008, %%r10\n"
      "mov $0x1009, %%r12\n mov $0x100a, %%r13\n mov $0x100b, %%r14\n mov $0x100c, %%r15\n"
      "stc\n"                       // CF set across the call
      "mov $39, %%eax\n syscall\n"
      "setc %%al\n movzx %%al, %%eax\n"
      "mov %%rax, -200(%%rsp)\n"    // park CF
      "mov (%%rsp), %%rax\n"        // out[]
      "mov %%rbx, 0(%%rax)\n mov %%rdx, 8(%%rax)\n mov %%rsi, 16(%%rax)\n mov %%rdi, 24(%%rax)\n"
      "mov %%rbp, 32(%%rax)\n mov %%r8, 40(%%rax)\n mov %%r9, 48(%%rax)\n mov %%r10, 56(%%rax)\n"
      "mov %%r12, 64(%%rax)\n mov %%r13, 72(%%rax)\n mov %%r14, 80(%%rax)\n mov %%r15, 88(%%rax)\n"
      "mov -200(%%rsp), %%rcx\n mov %%rcx, 96(%%rax)\n"
      // verify the red zone
      "mov $1, %%r8\n mov $16, %%ecx\n"
      "3: mov %%rcx, %%rdx\n imul $0x11111111, %%rdx\n cmp %%rdx, -136(%%rsp,%%rcx,8)\n"
      "   je 4f\n xor %%r8, %%r8\n 4: loop 3b\n"
      "mov %%r8, %%rcx\n"
      "pop %%rax\n pop %%r15\n pop %%r14\n pop %%r13\n pop %%r12\n pop %%rbp\n pop %%rbx\n"
      : "=c"(redzone_ok)
      : [out] "r"(out)
      : "rax", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
  static const uint64_t want[12] = {0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1006,
                                    0x1007, 0x1008, 0x1009, 0x100a, 0x100b, 0x100c};
  int ok = redzone_ok == 1 && out[12] == 1;
  for (int i = 0; i < 12; i++) ok &= out[i] == want[i];
  return ok;
}

// What a syscall leaves in the vector registers and control words: the
// wider registers are only loaded where the CPU has them (only this
// function is built for AVX-512: compiled code elsewhere may not use EVEX
// instructions on a CPU without them); the others get the expected values.
struct vector_state {
  uint32_t mxcsr_out;
  uint16_t fcw_out;
  uint64_t x[4], y[4], z[8];
};
static const uint32_t kMxcsrIn = 0x1f80 | 0x6000;  // round toward zero
static const uint16_t kFcwIn = 0x27f;              // x87 53-bit precision

__attribute__((target("avx512f"))) static void vector_syscall_avx512(struct vector_state* v) {
  __asm__ volatile(
      "ldmxcsr %[mi]\n fldcw %[fi]\n"
      "mov $0x5555, %%eax\n vpbroadcastd %%eax, %%zmm17\n"
      "mov $0x7777, %%eax\n vpbroadcastd %%eax, %%ymm3\n"
      "mov $0x9999, %%eax\n movd %%eax, %%xmm15\n"
      "mov $39, %%eax\n syscall\n"
      "stmxcsr %[mo]\n fnstcw %[fo]\n"
      "vmovdqu64 %%zmm17, %[z]\n vmovdqu %%ymm3, %[y]\n movq %%xmm15, %[x]\n"
      "ldmxcsr %[mdef]\n"
      : [mo] "=m"(v->mxcsr_out), [fo] "=m"(v->fcw_out), [z] "=m"(v->z), [y] "=m"(v->y), [x] "=m"(v->x[0])
      : [mi] "m"(kMxcsrIn), [fi] "m"(kFcwIn), [mdef] "m"((uint32_t){0x1f80})
      : "rax", "rcx", "r11", "xmm3", "xmm15", "xmm17", "memory");
}

__attribute__((target("avx2"))) static void vector_syscall_avx2(struct vector_state* v) {
  __asm__ volatile(
      "ldmxcsr %[mi]\n fldcw %[fi]\n"
      "mov $0x7777, %%eax\n vmovd %%eax, %%xmm3\n vpbroadcastd %%xmm3, %%ymm3\n"
      "mov $0x9999, %%eax\n movd %%eax, %%xmm15\n"
      "mov $39, %%eax\n syscall\n"
      "stmxcsr %[mo]\n fnstcw %[fo]\n"
      "vmovdqu %%ymm3, %[y]\n movq %%xmm15, %[x]\n"
      "ldmxcsr %[mdef]\n"
      : [mo] "=m"(v->mxcsr_out), [fo] "=m"(v->fcw_out), [y] "=m"(v->y), [x] "=m"(v->x[0])
      : [mi] "m"(kMxcsrIn), [fi] "m"(kFcwIn), [mdef] "m"((uint32_t){0x1f80})
      : "rax", "rcx", "r11", "xmm3", "xmm15", "memory");
}

static void vector_syscall_sse(struct vector_state* v) {
  __asm__ volatile(
      "ldmxcsr %[mi]\n fldcw %[fi]\n"
      "mov $0x9999, %%eax\n movd %%eax, %%xmm15\n"
      "mov $39, %%eax\n syscall\n"
      "stmxcsr %[mo]\n fnstcw %[fo]\n movq %%xmm15, %[x]\n ldmxcsr %[mdef]\n"
      : [mo] "=m"(v->mxcsr_out), [fo] "=m"(v->fcw_out), [x] "=m"(v->x[0])
      : [mi] "m"(kMxcsrIn), [fi] "m"(kFcwIn), [mdef] "m"((uint32_t){0x1f80})
      : "rax", "rcx", "r11", "xmm15", "memory");
}

static int vector_check(int have_avx512, int have_avx2) {
  struct vector_state v;
  memset(&v, 0, sizeof v);
  if (!have_avx512)
    for (int i = 0; i < 8; i++) v.z[i] = 0x0000555500005555ull;
  if (!have_avx512 && !have_avx2)
    for (int i = 0; i < 4; i++) v.y[i] = 0x0000777700007777ull;
  if (have_avx512) vector_syscall_avx512(&v);
  else if (have_avx2) vector_syscall_avx2(&v);
  else vector_syscall_sse(&v);
  unsigned short fcw_def = 0x37f;
  __asm__ volatile("fldcw %0" ::"m"(fcw_def));
  int ok = v.mxcsr_out == kMxcsrIn && v.fcw_out == kFcwIn && v.x[0] == 0x9999;
  for (int i = 0; i < 8; i++) ok &= v.z[i] == 0x0000555500005555ull;
  for (int i = 0; i < 4; i++) ok &= v.y[i] == 0x0000777700007777ull;
  return ok;
}

// glibc's read(2) idiom, which the LibOS rewrites as a whole:
// `xor %eax,%eax; syscall; cmp $-4096,%rax` then a branch on the flags.
static int read_idiom_check(void) {
  long ret;
  unsigned char above;
  char buf[1];
  __asm__ volatile(
      "mov $-1, %%rdi\n lea %[buf], %%rsi\n xor %%edx, %%edx\n"
      "xor %%eax, %%eax\n syscall\n cmp $-4096, %%rax\n seta %[above]\n"
      : "=a"(ret), [above] "=r"(above), [buf] "=m"(buf)
      :
      : "rdi", "rsi", "rdx", "rcx", "r11", "memory", "cc");
  return ret == -9 /* EBADF */ && above == 1;
}

// glibc's syscall(3): the number arrives in %rax from its first argument,
// and `mov 0x8(%rsp),%r9; syscall` is the shape the LibOS rewrites.
static int syscall3_check(void) {
  return syscall(SYS_getppid) == getppid() && syscall(SYS_getuid) == getuid() &&
         syscall(SYS_close, -1) == -1;
}

// glibc's inline rt_sigprocmask shape: `mov $14,%eax; lea set(%rip),%rsi;
// syscall` (a RIP-relative lea between the number and the syscall), and a
// `lea disp8(%reg)` variant through getpid: results and %rsi must be right.
static uint64_t g_block_usr2 = 1ull << (12 - 1);  // SIGUSR2
static int lea_shape_check(void) {
  uint64_t old = ~0ull, now = 0;
  long r1, r2;
  uint64_t rsi_after;
  __asm__ volatile(
      "xor %%edi, %%edi\n"          // SIG_BLOCK
      "mov $8, %%r10d\n"
      "mov $14, %%eax\n lea g_block_usr2(%%rip), %%rsi\n syscall\n"
      : "=a"(r1), "=S"(rsi_after)
      : "d"(&old)
      : "rcx", "r11", "rdi", "r10", "memory");
  int ok = r1 == 0 && rsi_after == (uint64_t)&g_block_usr2;
  sigprocmask(SIG_SETMASK, NULL, (sigset_t*)&now);
  ok &= (now & g_block_usr2) != 0;
  uint64_t base = (uint64_t)&now;
  __asm__ volatile("mov $39, %%eax\n lea 0x10(%%rbx), %%rsi\n syscall\n"
                   : "=a"(r2), "=S"(rsi_after)
                   : "b"(base)
                   : "rcx", "r11", "memory");
  ok &= r2 == getpid() && rsi_after == base + 0x10;
  sigprocmask(SIG_SETMASK, (sigset_t*)&old, NULL);
  return ok;
}

// The multi-threaded paths of glibc's cancellable wrappers reload
// arguments from the stack between the number and the syscall:
// `mov $nr,%eax; mov 0x10(%rsp),%rdx; mov 0x8(%rsp),%rsi; syscall` and
// `mov $nr,%eax; mov 0x8(%rsp),%rsi; mov (%rsp),%edi; syscall` (shape F).
// The loaded registers, and the result of a call that uses them, must be
// right (below the red zone: the asm moves %rsp past it first).
static int stack_load_shape_check(void) {
  uint64_t out[6];
  __asm__ volatile(
      "lea -160(%%rsp), %%rsp\n"
      "movq $0x5151, 8(%%rsp)\n movq $0x5252, 16(%%rsp)\n movq $-1, (%%rsp)\n"
      "mov $39, %%eax\n mov 0x10(%%rsp), %%rdx\n mov 0x8(%%rsp), %%rsi\n syscall\n"
      "mov %%rax, 0(%[out])\n mov %%rdx, 8(%[out])\n mov %%rsi, 16(%[out])\n"
      "mov $3, %%eax\n mov 0x8(%%rsp), %%rsi\n mov (%%rsp), %%edi\n syscall\n"  // close(-1)
      "mov %%rax, 24(%[out])\n mov %%rsi, 32(%[out])\n mov %%rdi, 40(%[out])\n"
      "lea 160(%%rsp), %%rsp\n"
      :
      : [out] "b"(out)
      : "rax", "rdx", "rsi", "rdi", "rcx", "r11", "memory");
  return out[0] == (uint64_t)getpid() && out[1] == 0x5252 && out[2] == 0x5151 &&
         (long)out[3] == -9 /* EBADF */ && out[4] == 0x5151 && out[5] == 0xffffffffull;
}

// Sites with instructions between `mov $nr,%eax` and `syscall`: libc's
// prlimit64 (`xor %edi,%edi`) and ld.so's arch_prctl (two stores through
// %rbx, here before a getpid), which the LibOS carries into the rewritten
// site's trampoline (shape F), and ld.so's openat (`mov %rdi,%rsi; mov
// $-100,%edi`), which stays on the trap path. What the instructions set and
// store, and the calls' results, must be right.
static int carried_shape_check(void) {
  static const char* root = "/";
  uint64_t lim[2] = {1, 1}, mem[3] = {0, 0, 0}, rsi_after, rdi_after, rdi2_after;
  long fd, pr;
  __asm__ volatile(
      "mov %[path], %%rdi\n mov $0x10000, %%edx\n"  // O_RDONLY | O_DIRECTORY
      "mov $257, %%eax\n mov %%rdi, %%rsi\n mov $-100, %%edi\n syscall\n"
      "mov %%rax, %[fd]\n mov %%rsi, %[rsi]\n mov %%rdi, %[rdi]\n"
      "mov $7, %%esi\n xor %%edx, %%edx\n lea %[lim], %%r10\n mov $0x5555, %%edi\n"  // RLIMIT_NOFILE
      "mov $302, %%eax\n xor %%edi, %%edi\n syscall\n"
      "mov %%rax, %[pr]\n mov %%rdi, %[rdi2]\n"
      : [fd] "=m"(fd), [rsi] "=m"(rsi_after), [rdi] "=m"(rdi_after), [pr] "=m"(pr),
        [rdi2] "=m"(rdi2_after), [lim] "+m"(lim)
      : [path] "m"(root)
      : "rax", "rdx", "rsi", "rdi", "r10", "rcx", "r11", "memory");
  __asm__ volatile("mov $39, %%eax\n mov %%rbx, (%%rbx)\n mov %%rbx, 0x10(%%rbx)\n syscall\n"
                   "mov %%rax, 8(%%rbx)\n"
                   :
                   : "b"(mem)
                   : "rax", "rcx", "r11", "memory");
  struct rlimit64 { uint64_t cur, max; } want;
  int ok = syscall(SYS_prlimit64, 0, 7, NULL, &want) == 0;
  if (fd >= 0) close((int)fd);
  return ok && fd >= 0 && rsi_after == (uint64_t)root && rdi_after == 0xffffff9cull && pr == 0 &&
         rdi2_after == 0 && lim[0] == want.cur && lim[1] == want.max && mem[0] == (uint64_t)mem &&
         mem[2] == (uint64_t)mem && mem[1] == (uint64_t)getpid();
}

// The flags across `mov $39,%eax; syscall`: each arithmetic flag, DF and
// AC (the exit restores them without POPFQ unless something beyond the
// arithmetic flags, DF and IF is set). Prints what came back.
static void flags_check(int round) {
  static const uint64_t patterns[] = {0x202, 0xad7, 0x203, 0x206, 0x212, 0x242, 0x282,
                                      0xa02, 0x602, 0xed7, 0x40202, 0x40ed7};
  for (unsigned i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
    uint64_t in = patterns[i], out;
    __asm__ volatile(
        "push %[in]\n popfq\n"
        "mov $39, %%eax\n syscall\n"
        "pushfq\n pop %[out]\n cld\n"
        "push $0x202\n popfq\n"
        : [out] "=r"(out)
        : [in] "r"(in)
        : "rax", "rcx", "r11", "memory", "cc");
    printf("round %d: flags %#llx -> %#llx\n", round, (unsigned long long)in,
           (unsigned long long)(out & 0x40ed7));
  }
}

int main(void) {
  __builtin_cpu_init();
  int avx512 = __builtin_cpu_supports("avx512f");
  int avx2 = __builtin_cpu_supports("avx2");
  // Each site runs 3 times: the first two trap (the second rewrites the
  // site), the third takes the fast path.
  for (int round = 1; round <= 3; round++) {
    printf("round %d: registers, flags and red zone %s\n", round,
           gpr_and_redzone_check() ? "preserved" : "CLOBBERED");
    printf("round %d: vector, MXCSR and x87 state %s\n", round,
           vector_check(avx512, avx2) ? "preserved" : "CLOBBERED");
    printf("round %d: read idiom result and flags %s\n", round,
           read_idiom_check() ? "right" : "WRONG");
    printf("round %d: syscall(3) results %s\n", round, syscall3_check() ? "right" : "WRONG");
    printf("round %d: mov/lea/syscall sites %s\n", round, lea_shape_check() ? "right" : "WRONG");
    printf("round %d: mov/stack loads/syscall sites %s\n", round,
           stack_load_shape_check() ? "right" : "WRONG");
    printf("round %d: mov/carried instructions/syscall sites %s\n", round,
           carried_shape_check() ? "right" : "WRONG");
    flags_check(round);
  }
  return 0;
}
