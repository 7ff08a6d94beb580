// System V IPC edge cases compared with Linux: a semtimedop timeout past
// 2^64 ns (waits, not an early EAGAIN), shmat SHM_REMAP over attachments
// (the old one ends: nattch, shmdt, IPC_RMID), shmget sizes Linux refuses
// (EINVAL past MAX_LFS_FILESIZE, ENOMEM past the overcommit heuristic).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

static const char* err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static int nattch(int id) {
  struct shmid_ds d;
  if (shmctl(id, IPC_STAT, &d)) return -1;
  return (int)d.shm_nattch;
}

static void on_alarm(int s) { (void)s; }

static void test_semtimedop_huge_timeout(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, 0);
  int sid = semget(IPC_PRIVATE, 1, 0600);
  struct sembuf op = {0, -1, 0};
  long secs[] = {18446744073L, 18446744074L, 0x7fffffffffffffffL};
  for (int i = 0; i < 3; i++) {
    struct timespec ts = {secs[i], 999999999}, a, b;
    alarm(1);
    clock_gettime(CLOCK_MONOTONIC, &a);
    long r = semtimedop(sid, &op, 1, &ts);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double waited = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("semtimedop tv_sec=%ld: %ld %s, waited for the alarm: %s\n", secs[i], r, err(r),
           waited > 0.9 ? "yes" : "no");
  }
  semctl(sid, 0, IPC_RMID);
}

static void test_shm_remap(void) {
  int a = shmget(IPC_PRIVATE, 8192, 0600), b = shmget(IPC_PRIVATE, 8192, 0600);
  char* p = shmat(a, 0, 0);
  char* q = shmat(a, p, SHM_REMAP);
  printf("same segment over itself: %s, nattch(a) %d\n", q == p ? "same address" : "moved", nattch(a));
  char* r = shmat(b, p, SHM_REMAP);
  printf("other segment over it: %s, nattch(a) %d nattch(b) %d\n", r == p ? "same address" : "moved", nattch(a),
         nattch(b));
  long d = shmdt(p);
  unsigned char v;
  long m = mincore(p, 4096, &v);
  printf("shmdt %ld %s; mapped after: %s; nattch(a) %d nattch(b) %d\n", d, err(d), m ? "no" : "yes", nattch(a),
         nattch(b));
  d = shmdt(p);
  printf("second shmdt %ld %s\n", d, err(d));
  // Half of a third segment over the first half of one of a: a keeps its
  // attachment (its second page), the removal waits for the detach.
  int c = shmget(IPC_PRIVATE, 4096, 0600);
  p = shmat(a, 0, 0);
  r = shmat(c, p, SHM_REMAP);
  printf("smaller segment over half: nattch(a) %d nattch(c) %d\n", nattch(a), nattch(c));
  shmctl(a, IPC_RMID, 0);
  printf("a after IPC_RMID: nattch %d\n", nattch(a));
  shmdt(r);
  munmap(p + 4096, 4096);
  printf("a after its last page is unmapped: %s\n", nattch(a) < 0 ? err(-1) : "still there");
  // A removed segment remapped over: destroyed there and then.
  a = shmget(IPC_PRIVATE, 8192, 0600);
  p = shmat(a, 0, 0);
  shmctl(a, IPC_RMID, 0);
  shmat(b, p, SHM_REMAP);
  printf("removed segment mapped over: %s\n", nattch(a) < 0 ? err(-1) : "still there");
  shmdt(p);
  shmctl(b, IPC_RMID, 0);
  shmctl(c, IPC_RMID, 0);
}

static void test_shmget_sizes(void) {
  uint64_t sizes[] = {0xfffffffffeffffffull, 0xf000000000000000ull, 0x8000000000000000ull,
                      0x7fffffffffffffffull, 1ull << 62, 0xffffffffff000000ull};
  for (int i = 0; i < 6; i++) {
    int id = shmget(IPC_PRIVATE, sizes[i], 0600);
    printf("shmget(%#llx) %s\n", (unsigned long long)sizes[i], err(id));
    if (id >= 0) shmctl(id, IPC_RMID, 0);
  }
  int id = shmget(IPC_PRIVATE, 1ull << 62, 0600 | SHM_NORESERVE);
  printf("shmget(1 << 62, SHM_NORESERVE) %s\n", err(id));
  if (id >= 0) shmctl(id, IPC_RMID, 0);
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  test_semtimedop_huge_timeout();
  test_shm_remap();
  test_shmget_sizes();
  return 0;
}
