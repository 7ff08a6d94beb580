// rseq compared with Linux (two-core container against this two-CPU
// machine): glibc's registration, cpu_id following the thread across
// cores, rseq(2)'s errors, and a critical section aborted by a signal.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/rseq.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "show_call.h"

extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;
#define SIG 0x53053053
#define LEN 32  // what glibc registered (__rseq_size may be the feature size, 20)

static struct rseq* area(void) { return (struct rseq*)((char*)__builtin_thread_pointer() + __rseq_offset); }
static unsigned syscall_cpu(void) {
  unsigned cpu = 99;
  syscall(SYS_getcpu, &cpu, NULL, NULL);
  return cpu;
}
static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof(s), &s);
}

static void* thread_view(void* arg) {
  (void)arg;
  struct rseq* rs = area();
  unsigned c = syscall_cpu();
  printf("new thread: registered, cpu_id == getcpu: %d, cpu_id_start == cpu_id: %d\n",
         (unsigned)rs->cpu_id == c, rs->cpu_id_start == rs->cpu_id);
  return NULL;
}

static volatile sig_atomic_t handled;
static void on_alarm(int sig) {
  (void)sig;
  handled++;
}

// Spins inside a critical section until the kernel (or LibOS) aborts it.
static int spin_in_critical_section(struct rseq* rs) {
  int aborted = 0;
  __asm__ volatile(
      ".pushsection __rseq_cs, \"aw\"\n"
      ".balign 32\n"
      "3: .long 0, 0\n"
      ".quad 1f, (2f - 1f), 4f\n"
      ".popsection\n"
      "leaq 3b(%%rip), %%rax\n"
      "movq %%rax, 8(%[rs])\n"
      "1: jmp 1b\n"
      "2: jmp 5f\n"
      ".long 0x53053053\n"
      "4: movl $1, %[ab]\n"
      "5:\n"
      : [ab] "+m"(aborted)
      : [rs] "r"(rs)
      : "rax", "memory", "cc");
  return aborted;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct rseq* rs = area();
  printf("glibc registered rseq: %d\n", __rseq_size > 0);
  printf("cpu_id == getcpu: %d, == sched_getcpu: %d, cpu_id_start == cpu_id: %d\n",
         (unsigned)rs->cpu_id == syscall_cpu(), (int)rs->cpu_id == sched_getcpu(),
         rs->cpu_id_start == rs->cpu_id);
  pin(1);
  printf("pinned to cpu 1: cpu_id %d, cpu_id_start %u, getcpu %u\n", (int)rs->cpu_id, rs->cpu_id_start,
         syscall_cpu());
  pin(0);
  printf("pinned to cpu 0: cpu_id %d, cpu_id_start %u, getcpu %u\n", (int)rs->cpu_id, rs->cpu_id_start,
         syscall_cpu());
  cpu_set_t all;
  CPU_ZERO(&all);
  CPU_SET(0, &all);
  CPU_SET(1, &all);
  sched_setaffinity(0, sizeof(all), &all);
  pthread_t th;
  pthread_create(&th, NULL, thread_view, NULL);
  pthread_join(th, NULL);

  // rseq(2) itself, on glibc's registration.
  SHOW("register again (same)", syscall(SYS_rseq, rs, LEN, 0, SIG));
  SHOW("register again, other signature", syscall(SYS_rseq, rs, LEN, 0, SIG + 1));
  static struct rseq other __attribute__((aligned(32)));
  SHOW("register another area", syscall(SYS_rseq, &other, 32, 0, SIG));
  SHOW("unknown flags", syscall(SYS_rseq, rs, LEN, 4, SIG));
  SHOW("unregister, other signature", syscall(SYS_rseq, rs, LEN, RSEQ_FLAG_UNREGISTER, SIG + 1));
  SHOW("unregister, other length", syscall(SYS_rseq, rs, 64, RSEQ_FLAG_UNREGISTER, SIG));
  SHOW("unregister another area", syscall(SYS_rseq, &other, 32, RSEQ_FLAG_UNREGISTER, SIG));

  // A signal arriving in a critical section: the thread goes to the abort
  // handler (signature checked), rseq_cs is cleared, the handler runs.
  signal(SIGALRM, on_alarm);
  struct itimerval it = {{0, 0}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  // (Linux may abort it sooner, by preempting or migrating the thread.)
  int aborted = spin_in_critical_section(rs);
  while (!handled) pause();
  printf("critical section: aborted %d, rseq_cs cleared %d\n", aborted, rs->rseq_cs == 0);

  // Unregistered: cpu_id reads RSEQ_CPU_ID_UNINITIALIZED.
  SHOW("unregister", syscall(SYS_rseq, rs, LEN, RSEQ_FLAG_UNREGISTER, SIG));
  printf("after unregister: cpu_id %d, cpu_id_start %u\n", (int)rs->cpu_id, rs->cpu_id_start);
  SHOW("register a misaligned area", syscall(SYS_rseq, (char*)&other + 8, 32, 0, SIG));
  SHOW("register a short area", syscall(SYS_rseq, &other, 16, 0, SIG));
  SHOW("register another area", syscall(SYS_rseq, &other, 32, 0, SIG));
  printf("new area: cpu_id == getcpu: %d\n", (unsigned)other.cpu_id == syscall_cpu());
  SHOW("unregister it", syscall(SYS_rseq, &other, 32, RSEQ_FLAG_UNREGISTER, SIG));
  return 0;
}
