// Signals with threads: a SIGSEGV handler on a sigaltstack that recovers by
// editing the interrupted context, SIGALRM from setitimer interrupting a
// blocked read with and without SA_RESTART, and SIGUSR1 sent between
// threads with pthread_kill (tgkill).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>
static volatile int segv_hits, alrm_hits, usr1_hits, on_altstack;
static char altstack[65536];
static void on_segv(int sig, siginfo_t* si, void* ucv) {
  ucontext_t* uc = ucv;
  (void)sig;
  segv_hits++;
  stack_t ss; sigaltstack(NULL, &ss);
  on_altstack = (ss.ss_flags & SS_ONSTACK) != 0;
  // Skip the faulting `movl $1,(%rax)` (c7 00 01 00 00 00, 6 bytes) and
  // report the fault address through %rbx: the guest edits its context.
  uc->uc_mcontext.gregs[REG_RIP] += 6;
  uc->uc_mcontext.gregs[REG_RBX] = (greg_t)si->si_addr;
}
static void on_alrm(int s) { (void)s; alrm_hits++; }
static void on_usr1(int s) { (void)s; usr1_hits++; }
static pthread_t main_thread;
static int pipe_fds[2];
static void* late_writer(void* a) {
  (void)a;
  usleep(300000);
  write(pipe_fds[1], "x", 1);
  return 0;
}
static void* sender(void* a) {
  (void)a;
  for (int i = 0; i < 5; i++) pthread_kill(main_thread, SIGUSR1);
  return 0;
}
int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa = {0};
  sa.sa_sigaction = on_segv; sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, NULL);
  unsigned long fault_addr;
  __asm__ volatile("mov $0x1234, %%rax\n\t movl $1, (%%rax)\n\t" : "=b"(fault_addr) : : "rax", "memory");
  printf("segv recovered: hits=%d si_addr=%#lx on_altstack=%d\n", segv_hits, fault_addr, on_altstack);
  struct sigaction al = {0}; al.sa_handler = on_alrm; sigaction(SIGALRM, &al, NULL);
  int p[2]; pipe(p);
  struct itimerval it = {{0, 0}, {0, 100000}}; setitimer(ITIMER_REAL, &it, NULL);
  char c; ssize_t r = read(p[0], &c, 1);
  printf("read without SA_RESTART: r=%zd errno=%s alrm=%d\n", r, r < 0 ? strerror(errno) : "-", alrm_hits);
  al.sa_flags = SA_RESTART; sigaction(SIGALRM, &al, NULL);
  setitimer(ITIMER_REAL, &it, NULL);
  // With SA_RESTART the alarm's interruption is invisible: the read
  // restarts and gets the byte another thread writes 300 ms later.
  pthread_t w;
  pipe_fds[0] = p[0];
  pipe_fds[1] = p[1];
  pthread_create(&w, NULL, late_writer, NULL);
  r = read(p[0], &c, 1);
  printf("read with SA_RESTART: r=%zd c=%c alrm=%d\n", r, r == 1 ? c : '?', alrm_hits);
  pthread_join(w, NULL);
  struct sigaction u1 = {0}; u1.sa_handler = on_usr1; sigaction(SIGUSR1, &u1, NULL);
  main_thread = pthread_self();
  pthread_t s; pthread_create(&s, NULL, sender, NULL); pthread_join(s, NULL);
  for (int i = 0; i < 100 && usr1_hits == 0; i++) usleep(1000);
  printf("usr1 via pthread_kill received: %s\n", usr1_hits > 0 ? "yes" : "no");
  return 0;
}
