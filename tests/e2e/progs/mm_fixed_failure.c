// A MAP_FIXED mmap that fails may already have unmapped the range it was
// to replace: Linux checks a TCP socket's mapping (no PROT_WRITE: EPERM)
// only after the old pages are gone. Prints, page by page, what /proc/self/maps and mincore then say, and
// that the range can be mapped and unmapped again: the same natively and
// under junction (whose VMAs used to keep the vanished pages as guest
// memory, so a later munmap of them could unmap LibOS memory put there).
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PG 4096L

static int in_maps(uintptr_t a) {
  FILE* f = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  while (f && fgets(line, sizeof(line), f)) {
    unsigned long s, e;
    if (sscanf(line, "%lx-%lx", &s, &e) == 2 && a >= s && a < e) found = 1;
  }
  if (f) fclose(f);
  return found;
}

static void show(const char* what, char* base, int pages) {
  printf("%s:", what);
  for (int i = 0; i < pages; i++) {
    unsigned char v;
    int mc = mincore(base + i * PG, PG, &v);
    printf(" [%d maps=%d mincore=%s]", i, in_maps((uintptr_t)(base + i * PG)), mc ? strerrorname_np(errno) : "ok");
  }
  printf("\n");
}

static const char* res(long r) { return r == -1 ? strerrorname_np(errno) : "ok"; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char* p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  memset(p, 1, 4 * PG);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  void* r = mmap(p + PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, s, 0);
  printf("mmap(MAP_FIXED, tcp socket, PROT_WRITE) = %s\n", r == MAP_FAILED ? strerrorname_np(errno) : "mapped");
  show("after", p, 4);
  // The pages the host lost can be mapped again, and everything unmapped.
  r = mmap(p + PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("mmap(MAP_FIXED_NOREPLACE) there = %s\n", r == MAP_FAILED ? strerrorname_np(errno) : "mapped");
  show("remapped", p, 4);
  printf("munmap = %s\n", res(munmap(p, 4 * PG)));
  show("unmapped", p, 4);

  return 0;
}
