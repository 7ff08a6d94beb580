// mlock, munlock, mlock2 and mlockall as Linux answers them: a locked
// range (rounded out to pages) must be mapped (ENOMEM where it is not),
// flags are checked (EINVAL), and locked memory stays usable. gpg and
// other key-handling tools lock their secrets and warn when it fails.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void Show(const char* what, int r) { printf("%s: %d %s\n", what, r, r ? strerror(errno) : ""); }

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  char* p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  Show("mlock two pages", mlock(p, 2 * page));
  memset(p, 7, 2 * page);
  Show("mlock unaligned start and length", mlock(p + 100, page));
  Show("munlock", munlock(p, 2 * page));
  Show("mlock length 0", mlock(p, 0));
  Show("mlock2 MLOCK_ONFAULT", mlock2(p, page, MLOCK_ONFAULT));
  Show("mlock2 bad flags", mlock2(p, page, 0x10));
  munmap(p + 2 * page, page);  // a hole
  Show("mlock across a hole", mlock(p, 4 * page));
  Show("munlock across a hole", munlock(p, 4 * page));
  Show("mlock unmapped", mlock((void*)0x10000, page));
  Show("mlockall 0", mlockall(0));
  Show("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT));
  Show("mlockall bad flag", mlockall(0x100));
  Show("mlockall current|future", mlockall(MCL_CURRENT | MCL_FUTURE));
  Show("munlockall", munlockall());
  printf("memory intact: %d\n", p[0] == 7 && p[2 * page - 1] == 7);
  return 0;
}
