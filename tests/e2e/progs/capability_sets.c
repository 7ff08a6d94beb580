// capget/capset compared with Linux (run as root): version negotiation
// (v1, v2, v3; EINVAL with v3 written back, 0 for a query without data),
// EFAULT, ESRCH, another process's sets, capset's rules (EPERM to raise a
// permitted capability, an effective one outside the permitted set, an
// inheritable one outside the bounding set), what set*uid and exec do
// to the sets.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_call.h"

static long Capget(struct __user_cap_header_struct* h, struct __user_cap_data_struct* d) {
  return syscall(SYS_capget, h, d);
}
static long Capset(struct __user_cap_header_struct* h, const struct __user_cap_data_struct* d) {
  return syscall(SYS_capset, h, d);
}

struct Sets {
  uint64_t e, p, i;
};

static struct Sets Get(int pid) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
  struct __user_cap_data_struct d[2] = {{0}};
  struct Sets s = {0, 0, 0};
  if (Capget(&h, d) == 0) {
    s.e = d[0].effective | (uint64_t)d[1].effective << 32;
    s.p = d[0].permitted | (uint64_t)d[1].permitted << 32;
    s.i = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
  }
  return s;
}

static long Set(struct Sets s) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {{(uint32_t)s.e, (uint32_t)s.p, (uint32_t)s.i},
                                        {(uint32_t)(s.e >> 32), (uint32_t)(s.p >> 32), (uint32_t)(s.i >> 32)}};
  return Capset(&h, d);
}

static void Print(const char* label, struct Sets s) {
  printf("%s: effective %#llx permitted %#llx inheritable %#llx\n", label, (unsigned long long)s.e,
         (unsigned long long)s.p, (unsigned long long)s.i);
}

static const uint64_t kBit = 1ull << CAP_SYS_ADMIN;

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1) {  // after exec
    Print(argv[1], Get(0));
    return 0;
  }
  struct Sets start = Get(0);
  Print("start", start);
  // Versions.
  const uint32_t versions[] = {_LINUX_CAPABILITY_VERSION_1, _LINUX_CAPABILITY_VERSION_2, _LINUX_CAPABILITY_VERSION_3,
                               0x12345678, 0};
  for (int i = 0; i < 5; i++) {
    struct __user_cap_header_struct h = {versions[i], 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0xa5, sizeof(d));
    char label[64];
    snprintf(label, sizeof(label), "capget version %#x", versions[i]);
    SHOW(label, Capget(&h, d));
    printf("  version now %#x, second word %s\n", h.version, d[1].effective == 0xa5a5a5a5 ? "untouched" : "written");
    h.version = versions[i];
    snprintf(label, sizeof(label), "capget version %#x, no data", versions[i]);
    SHOW(label, Capget(&h, NULL));
    printf("  version now %#x\n", h.version);
  }
  {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    void* gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096);
    SHOW("capget bad header", Capget(gone, d));
    SHOW("capget bad data", Capget(&h, gone));
    h.pid = -1;
    SHOW("capget pid -1", Capget(&h, d));
    h.pid = 999999;
    SHOW("capget no such pid", Capget(&h, d));
    h.pid = getpid();
    SHOW("capget own pid", Capget(&h, d));
    h.pid = 0;
    SHOW("capset bad data", Capset(&h, gone));
    SHOW("capset bad header", Capset(gone, d));
    h.version = 0x1;
    SHOW("capset bad version", Capset(&h, d));
    printf("  version now %#x\n", h.version);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    h.pid = 999999;
    Capget(&(struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, 0}, d);
    SHOW("capset another pid", Capset(&h, d));
  }
  // capset's rules.
  struct Sets s = start;
  s.e &= ~kBit;
  SHOW("drop CAP_SYS_ADMIN from effective", Set(s));
  Print("  now", Get(0));
  s.e |= kBit;
  SHOW("raise it again (permitted)", Set(s));
  s.e |= 1ull << 50;
  SHOW("an unknown capability (dropped)", Set(s));
  Print("  now", Get(0));
  s = Get(0);
  s.p &= ~kBit;
  SHOW("effective outside permitted", Set(s));
  s.e &= ~kBit;
  SHOW("drop CAP_SYS_ADMIN from permitted", Set(s));
  s.p |= kBit;
  SHOW("raise it in permitted", Set(s));
  s.p &= ~kBit;
  s.i |= 1ull << CAP_SYS_RESOURCE;
  SHOW("inheritable outside the bounding set", Set(s));
  s.i = 1ull << CAP_KILL;
  SHOW("inheritable CAP_KILL", Set(s));
  Print("  now", Get(0));
  // Ambient and bounding sets (prctl).
  SHOW("ambient raise CAP_KILL", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
  SHOW("ambient is set CAP_KILL", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
  SHOW("ambient raise CAP_CHOWN (not inheritable)", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
  SHOW("ambient raise 99", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 99, 0, 0));
  SHOW("ambient bad op", prctl(PR_CAP_AMBIENT, 9, CAP_KILL, 0, 0));
  SHOW("bounding read CAP_SYS_RESOURCE", prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0));
  SHOW("bounding read CAP_NET_RAW", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
  SHOW("bounding drop CAP_NET_RAW", prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
  SHOW("bounding read CAP_NET_RAW", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
  SHOW("bounding read 99", prctl(PR_CAPBSET_READ, 99, 0, 0, 0));
  SHOW("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  // Another process's sets: a child after its own capset.
  int ready[2], done[2];
  if (pipe(ready) || pipe(done)) return 1;
  pid_t child = fork();
  if (child == 0) {
    struct Sets c = Get(0);
    c.e &= ~(1ull << CAP_CHOWN);
    Set(c);
    write(ready[1], "x", 1);
    char b;
    read(done[0], &b, 1);
    _exit(0);
  }
  char b;
  read(ready[0], &b, 1);
  Print("the child's, from here", Get(child));
  write(done[1], "x", 1);
  waitpid(child, NULL, 0);
  Print("after fork, here", Get(0));
  // set*uid and exec, in children.
  child = fork();
  if (child == 0) {
    SHOW("setresuid(0, 1000, 0)", syscall(SYS_setresuid, 0, 1000, 0));
    Print("  euid 1000", Get(0));
    SHOW("setresuid(-1, 0, -1)", syscall(SYS_setresuid, -1, 0, -1));
    Print("  euid 0 again", Get(0));
    SHOW("setuid(1000)", syscall(SYS_setuid, 1000));
    Print("  all 1000", Get(0));
    s = Get(0);
    s.p |= 1;
    SHOW("  raise as uid 1000", Set(s));
    _exit(0);
  }
  waitpid(child, NULL, 0);
  child = fork();
  if (child == 0) {
    execl("/proc/self/exe", argv[0], "after exec as root", (char*)NULL);
    _exit(127);
  }
  waitpid(child, NULL, 0);
  child = fork();
  if (child == 0) {
    syscall(SYS_setresuid, 1000, 1000, 1000);
    execl("/proc/self/exe", argv[0], "after exec as uid 1000", (char*)NULL);
    _exit(127);
  }
  waitpid(child, NULL, 0);
  return 0;
}
