// madvise(MADV_DONTNEED) over memory that never had access rights (a thread
// stack's guard page), compared with Linux. The LibOS leaves such mappings
// out of the host call; everything that ever was accessible must still read
// back as zero:
//   - a guard + stack pair laid out as glibc's allocate_stack does it (8 MiB:
//     a MAP_STACK mapping the LibOS places so that its top has a page table
//     of its own);
//   - a guard that was writable (and written) before it became PROT_NONE;
//   - a PROT_NONE mapping made writable, written, then PROT_NONE again;
//   - a range of never-accessible memory alone (0), and with a hole (ENOMEM);
//   - a thread that fills deep parts of its stack, then a thread on the
//     same (cached) stack that reads them: zero, as glibc's exit madvise
//     promises.
// Three rounds each, so the later ones take the lazy path (known VMAs).
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long page;

static long CountNonZero(const char* p, long len) {
  long n = 0;
  for (long i = 0; i < len; i++) n += p[i] != 0;
  return n;
}

// Round 1 and 3: glibc's size (8 MiB and a guard page: the LibOS places
// such a MAP_STACK mapping on its own terms); round 2: a small one.
static void GlibcLikeStack(int round) {
  long size = round == 2 ? 64 * page : (8 << 20) + page;
  char* m = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (m == MAP_FAILED || mprotect(m + page, size - page, PROT_READ | PROT_WRITE) != 0) {
    printf("round %d: stack setup failed\n", round);
    return;
  }
  memset(m + page, 0x5a, size - page);
  int r = madvise(m, size - 4 * page, MADV_DONTNEED);
  printf("round %d: guard+stack of %ld pages dontneed %d, non-zero below %ld, kept on top %ld of %ld\n",
         round, size / page, r, CountNonZero(m + page, size - 5 * page),
         CountNonZero(m + size - 4 * page, 4 * page), 4 * page);
  // The guard itself still faults? Not checked (a SIGSEGV test of its own);
  // its protection is what /proc/self/maps says, which mm_maps compares.
  munmap(m, size);
}

static void WrittenThenGuard(int round) {
  char* m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return;
  memset(m, 0x5a, 4 * page);
  mprotect(m, page, PROT_NONE);
  int r = madvise(m, 4 * page, MADV_DONTNEED);
  mprotect(m, page, PROT_READ | PROT_WRITE);
  printf("round %d: written guard dontneed %d, non-zero %ld\n", round, r, CountNonZero(m, 4 * page));
  munmap(m, 4 * page);
}

static void NoneWritableNone(int round) {
  char* m = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return;
  mprotect(m, 4 * page, PROT_READ | PROT_WRITE);
  memset(m, 0x5a, 4 * page);
  mprotect(m, 4 * page, PROT_NONE);
  int r = madvise(m, 4 * page, MADV_DONTNEED);
  mprotect(m, 4 * page, PROT_READ);
  printf("round %d: none-rw-none dontneed %d, non-zero %ld\n", round, r, CountNonZero(m, 4 * page));
  // Half of it again: the first two pages were never written since.
  mprotect(m, 2 * page, PROT_NONE);
  r = madvise(m, 2 * page, MADV_DONTNEED);
  printf("round %d: none again dontneed %d\n", round, r);
  munmap(m, 4 * page);
}

static void NeverAccessibleAlone(int round) {
  char* m = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return;
  errno = 0;
  int r = madvise(m, 4 * page, MADV_DONTNEED);
  printf("round %d: never accessible dontneed %d %s\n", round, r, strerror(errno));
  munmap(m + 2 * page, page);
  errno = 0;
  r = madvise(m, 4 * page, MADV_DONTNEED);
  printf("round %d: never accessible with hole %d %s\n", round, r, strerror(errno));
  errno = 0;
  r = madvise(m + 1, page, MADV_DONTNEED);
  printf("round %d: never accessible unaligned %d %s\n", round, r, strerror(errno));
  munmap(m, 4 * page);
}

enum { kDeep = 256 * 1024, kSkip = 64 * 1024 };

// kSkip below this frame: far below anything the calls here push.
static char* DeepTop(void) {
  char* top = (char*)__builtin_frame_address(0) - kSkip;
  __asm__("" : "+r"(top));  // an address the compiler knows nothing about
  return top;
}

// Fills [sp - kSkip - kDeep, sp - kSkip) of its own stack.
static void* FillDeepStack(void* arg) {
  (void)arg;
  char* top = DeepTop();
  memset(top - kDeep, 0x5a, kDeep);
  return NULL;
}

// Reads the same part of its (glibc's cached, so the same) stack.
static void* ReadDeepStack(void* arg) {
  char* top = DeepTop();
  *(long*)arg = CountNonZero(top - kDeep, kDeep);
  return NULL;
}

static void ThreadStackReuse(int round) {
  pthread_t t;
  long nonzero = -1;
  if (pthread_create(&t, NULL, FillDeepStack, NULL) != 0) return;
  pthread_join(t, NULL);
  if (pthread_create(&t, NULL, ReadDeepStack, &nonzero) != 0) return;
  pthread_join(t, NULL);
  printf("round %d: reused thread stack non-zero %ld\n", round, nonzero);
}

int main(void) {
  page = sysconf(_SC_PAGESIZE);
  for (int round = 1; round <= 3; round++) {
    GlibcLikeStack(round);
    WrittenThenGuard(round);
    NoneWritableNone(round);
    NeverAccessibleAlone(round);
    ThreadStackReuse(round);
  }
  return 0;
}
