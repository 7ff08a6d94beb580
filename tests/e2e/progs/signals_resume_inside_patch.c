// A thread whose saved context resumes strictly inside the bytes junction
// patches when it rewrites a syscall site (entry/rewrite.cc, shape B:
// glibc's read, `xor %eax,%eax; syscall; cmp $-4096,%rax`, where the jump
// covers the xor, the syscall and the cmp's first byte).
//
// Thread A blocks in a read at its own copy of that site and takes a
// signal there: its handler's frame holds the address after the syscall
// (EINTR) or the syscall itself (SA_RESTART). While the handler waits,
// the main thread runs the same site (its traps rewrite it); then the
// handler returns. On Linux the read completes (EINTR; the restarted read
// gets its byte). A resume inside the new jump executed its displacement.
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

// Two copies of the site (each is rewritten once): they return the raw
// result (-errno on failure).
#define READ_SITE(n)                                                      \
  __asm__(".text\n.globl read_site" #n "\n.type read_site" #n ",@function\n" \
          "read_site" #n ":\n xor %eax,%eax\n"                            \
          ".globl read_site" #n "_syscall\nread_site" #n "_syscall: syscall\n" \
          ".globl read_site" #n "_after\nread_site" #n "_after: cmp $-4096,%rax\n" \
          " ret\n");
READ_SITE(1)
READ_SITE(2)
long read_site1(int fd, void* buf, size_t n);
long read_site2(int fd, void* buf, size_t n);
extern char read_site1_syscall[], read_site1_after[], read_site2_syscall[], read_site2_after[];

static sem_t in_handler, go_on;
static volatile uintptr_t handler_rip;

static void on_usr1(int s, siginfo_t* si, void* c) {
  (void)s, (void)si;
  handler_rip = ((ucontext_t*)c)->uc_mcontext.gregs[REG_RIP];
  sem_post(&in_handler);
  while (sem_wait(&go_on) != 0) {
  }
}

struct run {
  long (*site)(int, void*, size_t);
  int fd;
  long result;
  char byte;
};

static void* reader(void* p) {
  struct run* r = p;
  r->result = r->site(r->fd, &r->byte, 1);
  return NULL;
}

static const char* where(uintptr_t rip, const char* syscall_at, const char* after) {
  if (rip == (uintptr_t)syscall_at) return "at the syscall";
  if (rip == (uintptr_t)after) return "after the syscall";
  return "elsewhere";
}

static int scenario(const char* name, int restart, long (*site)(int, void*, size_t),
                    const char* syscall_at, const char* after) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
  sigaction(SIGUSR1, &sa, NULL);
  int a[2], b[2];
  if (pipe(a) || pipe(b)) return perror("pipe"), 1;
  struct run r = {site, a[0], 0, 0};
  pthread_t t;
  pthread_create(&t, NULL, reader, &r);
  usleep(100000);  // the reader blocks in the site's read
  pthread_kill(t, SIGUSR1);
  while (sem_wait(&in_handler) != 0) {
  }
  // The reader is in its handler: run the site here until rewritten.
  if (write(b[1], "xyz", 3) != 3) return perror("write"), 1;
  char got[3];
  for (int i = 0; i < 3; i++) {
    long n = site(b[0], &got[i], 1);
    if (n != 1) printf("%s: main's read %d returned %ld\n", name, i, n);
  }
  if (write(a[1], "q", 1) != 1) return perror("write"), 1;
  sem_post(&go_on);
  pthread_join(t, NULL);
  printf("%s: handler entered %s; main read %.3s; the reader's read returned %s%ld%s%c\n", name,
         where(handler_rip, syscall_at, after), got, r.result < 0 ? "-" : "",
         r.result < 0 ? -r.result : r.result, r.result == 1 ? " byte " : "",
         r.result == 1 ? r.byte : ' ');
  close(a[0]), close(a[1]), close(b[0]), close(b[1]);
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  sem_init(&in_handler, 0, 0);
  sem_init(&go_on, 0, 0);
  if (scenario("EINTR", 0, read_site1, read_site1_syscall, read_site1_after)) return 1;
  if (scenario("SA_RESTART", 1, read_site2, read_site2_syscall, read_site2_after)) return 1;
  printf("errno EINTR is %d\n", EINTR);
  return 0;
}
