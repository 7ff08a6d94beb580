// madvise(MADV_DONTNEED) compared with Linux, three rounds (the later ones
// take the lazy path: the VMA is known by then): private anonymous pages
// read back as zero, the pages around the range keep their data, a
// length that is not a page multiple covers the whole last page, and the
// errors: an unaligned address (EINVAL), a hole in the range (ENOMEM),
// length 0 (0).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  for (int round = 1; round <= 3; round++) {
    char* m = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 1;
    memset(m, 0x5a, 8 * page);
    int r = madvise(m + 2 * page, 2 * page + 1, MADV_DONTNEED);  // pages 2..4
    int zero = 0, kept = 0;
    for (long i = 0; i < 8 * page; i++) {
      if (i >= 2 * page && i < 5 * page) zero += m[i] == 0;
      else kept += m[i] == 0x5a;
    }
    printf("round %d: dontneed %d, zeroed %d of %ld, kept %d of %ld\n", round, r, zero, 3 * page,
           kept, 5 * page);
    errno = 0;
    r = madvise(m + 1, page, MADV_DONTNEED);
    printf("round %d: unaligned %d %s\n", round, r, strerror(errno));
    munmap(m + 6 * page, page);
    errno = 0;
    r = madvise(m + 5 * page, 3 * page, MADV_DONTNEED);
    printf("round %d: hole %d %s\n", round, r, strerror(errno));
    printf("round %d: page 5 still %d\n", round, m[5 * page]);
    r = madvise(m, 0, MADV_DONTNEED);
    printf("round %d: empty %d\n", round, r);
    munmap(m, 8 * page);
  }
  return 0;
}
