// A failed MAP_FIXED over a large range must fail promptly: Linux unmaps
// the 16 GiB it was to replace (a TCP socket refuses PROT_WRITE: EPERM
// after the old pages are gone) and returns at once. The LibOS then looks
// for the pages the host lost; it used to ask page by page under the
// address-space lock (13 s for 16 GiB). Prints the error, whether it took
// under 5 s (natively it takes microseconds; the slack is for load), and
// what mincore then says of the first and last page (mm_fixed_failure
// checks /proc/self/maps).
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PG 4096L
#define LEN (16L << 30)

static void show(const char* what, char* p) {
  unsigned char v;
  int mc = mincore(p, PG, &v);
  printf("%s: mincore=%s\n", what, mc ? strerrorname_np(errno) : "ok");
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char* p = mmap(NULL, LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return 1;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  double t0 = now();
  void* r = mmap(p, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, s, 0);
  double dt = now() - t0;
  printf("mmap(MAP_FIXED, 16 GiB, tcp socket, PROT_WRITE) = %s\n", r == MAP_FAILED ? strerrorname_np(errno) : "mapped");
  printf("returned within 5 s: %s\n", dt < 5.0 ? "yes" : "no");
  show("first page", p);
  show("last page", p + LEN - PG);
  // The whole range can be mapped again.
  r = mmap(p, LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  printf("mmap(MAP_FIXED_NOREPLACE) there = %s\n", r == MAP_FAILED ? strerrorname_np(errno) : "mapped");
  printf("munmap = %s\n", munmap(p, LEN) ? strerrorname_np(errno) : "ok");
  return 0;
}
