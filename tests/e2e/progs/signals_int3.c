// The guest's own int3 (a synchronous SIGTRAP), each case in a child:
// with no handler or SIGTRAP ignored or blocked it kills the process, as
// Linux's force_sig does; a handler runs and the program goes on past the
// int3. A SIGTRAP sent by another process (no trap) is an ordinary signal,
// and a handler installed after one still takes the next int3.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void Int3(void) { __asm__ volatile("int3"); }
// The two-byte form (cd 03; the assembler makes `int $3` the one-byte cc).
static void Int3Long(void) { __asm__ volatile(".byte 0xcd, 0x03"); }

static void OnTrap(int sig, siginfo_t* info, void* uc) {
  (void)uc;
  char msg[80];
  int n = snprintf(msg, sizeof(msg), "handler: signal %d si_code %d\n", sig, info->si_code);
  write(1, msg, (size_t)n);
}

static void SetAction(void (*how)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = how;
  sigaction(SIGTRAP, &sa, NULL);
}

static void SetHandler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnTrap;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTRAP, &sa, NULL);
}

static void BlockTrap(int how) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTRAP);
  sigprocmask(how, &set, NULL);
}

static void IntDefault(void) { SetAction(SIG_DFL); Int3(); }
static void IntIgnored(void) { SetAction(SIG_IGN); Int3(); }
static void IntHandled(void) { SetHandler(); Int3(); }
static void IntLongDefault(void) { SetAction(SIG_DFL); Int3Long(); }
static void IntLongHandled(void) { SetHandler(); Int3Long(); }
static void IntBlocked(void) { SetHandler(); BlockTrap(SIG_BLOCK); Int3(); }

// SIGTRAP from another process while it has no handler (blocked, taken
// by sigtimedwait), then a handler for the int3 that follows.
static void SentThenHandled(void) {
  SetAction(SIG_DFL);
  BlockTrap(SIG_BLOCK);
  pid_t me = getpid();
  pid_t sender = fork();
  if (sender == 0) _exit(kill(me, SIGTRAP) == 0 ? 0 : 1);
  waitpid(sender, NULL, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTRAP);
  siginfo_t info;
  struct timespec bound = {30, 0};  // only a bound for a lost signal
  if (sigtimedwait(&set, &info, &bound) != SIGTRAP) {
    printf("sent SIGTRAP lost\n");
    return;
  }
  printf("sent SIGTRAP taken: si_code %d, from the sender %d\n", info.si_code,
         info.si_pid == sender);
  fflush(stdout);
  SetHandler();
  BlockTrap(SIG_UNBLOCK);
  Int3();
}

// SIGTRAP from another process with the default action: it dies of it.
static void SentDefault(void) {
  SetAction(SIG_DFL);
  pid_t me = getpid();
  pid_t sender = fork();
  if (sender == 0) _exit(kill(me, SIGTRAP) == 0 ? 0 : 1);
  waitpid(sender, NULL, 0);
  alarm(30);  // only a bound for a lost signal
  for (;;) pause();
}

static void Run(const char* name, void (*body)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    body();
    printf("%s: went on past it\n", name);
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    printf("%s: killed by signal %d\n", name, WTERMSIG(status));
  else
    printf("%s: exit %d\n", name, WEXITSTATUS(status));
}

int main(void) {
  Run("int3, SIG_DFL", IntDefault);
  Run("int3, SIG_IGN", IntIgnored);
  Run("int3, handler", IntHandled);
  Run("int3, handler, blocked", IntBlocked);
  Run("int $3 (cd 03), SIG_DFL", IntLongDefault);
  Run("int $3 (cd 03), handler", IntLongHandled);
  Run("sent SIGTRAP, SIG_DFL", SentDefault);
  Run("sent SIGTRAP, then int3 with a handler", SentThenHandled);
  return 0;
}
