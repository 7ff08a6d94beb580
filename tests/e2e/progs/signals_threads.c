// Signals with threads: a SIGSEGV handler on a sigaltstack that recovers by
// editing the interrupted context, SIGALRM from setitimer interrupting a
// blocked read with and without SA_RESTART, and SIGUSR1 sent between
// threads with pthread_kill (tgkill). No sleep orders anything: the alarm
// is armed once the main thread sleeps in read().
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
#include "thread_state.h"
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
static volatile int main_reading;  // the main thread is entering its read
// Arms a 10 ms alarm once the main thread (tid = pid) has started its read
// and sleeps in it, so that the alarm interrupts the read. With
// `write_after`, writes the byte once the handler has run and the restarted
// read sleeps again. This thread blocks SIGALRM: the main thread takes it.
static void* alarm_when_reading(void* write_after) {
  sigset_t alrm; sigemptyset(&alrm); sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alrm, NULL);
  int hits = alrm_hits;
  for (int i = 0; i < 30000 && !main_reading; i++) usleep(1000);
  wait_thread_asleep(getpid());
  struct itimerval it = {{0, 0}, {0, 10000}}; setitimer(ITIMER_REAL, &it, NULL);
  if (!write_after) return 0;
  for (int i = 0; i < 30000 && alrm_hits == hits; i++) usleep(1000);
  wait_thread_asleep(getpid());
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
  pipe_fds[0] = p[0];
  pipe_fds[1] = p[1];
  pthread_t w;
  pthread_create(&w, NULL, alarm_when_reading, NULL);
  main_reading = 1;
  char c; ssize_t r = read(p[0], &c, 1);
  int e = errno;
  main_reading = 0;
  pthread_join(w, NULL);
  printf("read without SA_RESTART: r=%zd errno=%s alrm=%d\n", r, r < 0 ? strerror(e) : "-", alrm_hits);
  al.sa_flags = SA_RESTART; sigaction(SIGALRM, &al, NULL);
  // With SA_RESTART the alarm's interruption is invisible: the read
  // restarts and gets the byte another thread writes after the handler.
  pthread_create(&w, NULL, alarm_when_reading, (void*)1);
  main_reading = 1;
  r = read(p[0], &c, 1);
  printf("read with SA_RESTART: r=%zd c=%c alrm=%d\n", r, r == 1 ? c : '?', alrm_hits);
  pthread_join(w, NULL);
  struct sigaction u1 = {0}; u1.sa_handler = on_usr1; sigaction(SIGUSR1, &u1, NULL);
  main_thread = pthread_self();
  pthread_t s; pthread_create(&s, NULL, sender, NULL); pthread_join(s, NULL);
  for (int i = 0; i < 30000 && usr1_hits == 0; i++) usleep(1000);
  printf("usr1 via pthread_kill received: %s\n", usr1_hits > 0 ? "yes" : "no");
  return 0;
}
