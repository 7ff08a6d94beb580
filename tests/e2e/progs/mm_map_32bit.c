// mmap with MAP_32BIT: Linux places the mapping below 2 GiB (a hint is
// taken only if the mapping then ends there too; MAP_FIXED ignores the
// flag). Then PHP opcache's huge-page sequence: reserve 128 MiB with
// MAP_32BIT, unmap it, map MAP_FIXED|MAP_HUGETLB at the next 2 MiB
// boundary (up to 2 MiB past the reservation), and if that fails map
// anywhere again. Natively the reservation lies in the window below 2 GiB
// and the fixed map reaches nothing; junction dropped MAP_32BIT, put the
// reservation right below the program's last mapping, and the fixed map
// took that mapping (php-fpm's interned-string table, whose lookups then
// spun for ever). Prints what a program can see; the same natively and
// under junction.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define KIB 1024UL
#define MIB (1024UL * KIB)
#define TWO_GIB (2048UL * MIB)

static const char* below(void* p, size_t len) {
  if (p == MAP_FAILED) return "failed";
  return (uintptr_t)p + len <= TWO_GIB ? "below 2 GiB" : "above 2 GiB";
}

int main(void) {
  const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
  void* p = mmap(NULL, 64 * KIB, PROT_READ | PROT_WRITE, anon | MAP_32BIT, -1, 0);
  printf("MAP_32BIT private 64 KiB: %s\n", below(p, 64 * KIB));
  munmap(p, 64 * KIB);

  // A free hint above 2 GiB: a free range found by mapping and unmapping.
  void* high = mmap(NULL, 64 * KIB, PROT_NONE, anon, -1, 0);
  munmap(high, 64 * KIB);
  p = mmap(high, 64 * KIB, PROT_READ | PROT_WRITE, anon | MAP_32BIT, -1, 0);
  printf("MAP_32BIT with a free hint above 2 GiB: %s\n", below(p, 64 * KIB));
  munmap(p, 64 * KIB);
  p = mmap(high, 64 * KIB, PROT_READ | PROT_WRITE, anon | MAP_32BIT | MAP_FIXED, -1, 0);
  printf("MAP_32BIT|MAP_FIXED above 2 GiB: %s\n", p == high ? "at the address" : "elsewhere");
  munmap(p, 64 * KIB);

  // The program's own mapping, made first (opcache's process: its
  // interned-string table, 324 KiB from malloc). Not 2 MiB-aligned, so a
  // reservation right below it would be misaligned by its offset.
  const size_t chunk_len = 324 * KIB;
  char* chunk = MAP_FAILED;
  for (int i = 0; i < 8; i++) {
    chunk = mmap(NULL, chunk_len + i * 4 * KIB, PROT_READ | PROT_WRITE, anon, -1, 0);
    if (chunk == MAP_FAILED || (uintptr_t)chunk % (2 * MIB) != 0) break;
  }
  if (chunk == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  memset(chunk, 0x5a, chunk_len);

  const size_t shm_len = 128 * MIB;
  const int shared = MAP_SHARED | MAP_ANONYMOUS | MAP_32BIT;
  char* shm = mmap(NULL, shm_len, PROT_READ | PROT_WRITE, shared, -1, 0);
  printf("MAP_32BIT shared 128 MiB: %s\n", below(shm, shm_len));
  if (shm != MAP_FAILED) {
    munmap(shm, shm_len);
    char* aligned = (char*)(((uintptr_t)shm + 2 * MIB - 1) & ~(2 * MIB - 1));
    shm = mmap(aligned, shm_len, PROT_READ | PROT_WRITE, shared | MAP_HUGETLB | MAP_FIXED, -1, 0);
    if (shm == MAP_FAILED) shm = mmap(NULL, shm_len, PROT_READ | PROT_WRITE, shared, -1, 0);
    printf("shared memory after the huge-page attempt: %s\n", below(shm, shm_len));
  }
  int intact = 1;
  unsigned char v;
  for (size_t off = 0; off < chunk_len && intact; off += 4 * KIB) {
    if (mincore(chunk + off, 4 * KIB, &v) != 0) intact = 0;  // unmapped
    else if (chunk[off] != 0x5a || chunk[off + 4 * KIB - 1] != 0x5a) intact = 0;
  }
  printf("the mapping made before: %s\n", intact ? "intact" : "lost");
  return 0;
}
