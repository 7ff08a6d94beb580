// Descriptor numbers with many descriptors held open: the lowest free
// number first (after opens, closes, holes, dup, dup2, F_DUPFD,
// close_range), the same number again on every open/close of /dev/null and
// of a host file, /dev and /dev/pts still described, /proc/self/fd listing
// them all. The expected numbers come from a model of the table started
// from /proc/self/fd, so descriptors the runner left open do not matter.
//
// usage: fs_many_fds [HELD [ROUNDS]]   (default 900 held, 20000 rounds)
// The LibOS once described /dev with a host call per descriptor held on
// every open below it (fs_many_fds_hostcalls.sh counts the host calls).
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kMaxFd = 4096 };

static unsigned char used[kMaxFd];  // the model: numbers in use
static int failures;
static const char* self_path;       // a host file (this program)

static void expect(const char* what, long got, long want) {
  if (got != want) {
    printf("FAIL %s: got %ld, want %ld\n", what, got, want);
    failures++;
  }
}

static int lowest_free(int min) {
  for (int i = min; i < kMaxFd; i++)
    if (!used[i]) return i;
  return -1;
}

// Records a new descriptor `fd` that should be the lowest free >= min.
static int took(const char* what, int fd, int min) {
  expect(what, fd, lowest_free(min));
  if (fd >= 0 && fd < kMaxFd) used[fd] = 1;
  return fd;
}

static void put(int fd) {
  close(fd);
  if (fd >= 0 && fd < kMaxFd) used[fd] = 0;
}

static int open_null(void) { return open("/dev/null", O_RDONLY); }
static int open_self(void) { return open(self_path, O_RDONLY); }

// Entries of `path` (without . and ..); -2 if `must_have` is missing.
// Marks them in the model when `mark`.
static int list_dir(const char* path, const char* must_have, int mark) {
  DIR* d = opendir(path);
  if (!d) return -1;
  int n = 0, found = must_have == NULL;
  struct dirent* e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') {
      n++;
      if (must_have && strcmp(e->d_name, must_have) == 0) found = 1;
      int fd = atoi(e->d_name);
      if (mark && fd != dirfd(d) && fd < kMaxFd) used[fd] = 1;
    }
  closedir(d);
  return found ? n : -2;
}

int main(int argc, char** argv) {
  int held = argc > 1 ? atoi(argv[1]) : 900;
  int rounds = argc > 2 ? atoi(argv[2]) : 20000;
  if (held < 300 || held > 2000) return 2;
  self_path = argv[0];
  int open_before = list_dir("/proc/self/fd", NULL, 1) - 1;  // less the listing's own
  int* fds = calloc((size_t)held, sizeof(int));
  if (!fds) return 1;
  for (int i = 0; i < held; i++) {
    fds[i] = took("hold", i % 2 ? open_self() : open_null(), 0);
    if (fds[i] < 0) {
      perror("open");
      return 1;
    }
  }
  printf("held %d descriptors, each the lowest free number: %s\n", held,
         failures ? "no" : "yes");

  // The same number every time: the lowest free one.
  int wrong = 0;
  const int a_want = lowest_free(0), b_want = lowest_free(a_want + 1);
  for (int i = 0; i < rounds; i++) {
    int a = open_null();
    int b = open_self();
    if (a != a_want || b != b_want) wrong++;
    close(b);
    close(a);
  }
  printf("%d open/close rounds of /dev/null and a host file: %d wrong numbers\n", rounds, wrong);

  // Holes are filled lowest first; dup and F_DUPFD take the lowest free
  // number (at or above the minimum).
  put(fds[200]);
  put(fds[100]);
  took("refill the lower hole", open_null(), 0);
  took("then the higher hole", dup(fds[5]), 0);
  int past = took("then past the end", open_null(), 0);
  put(fds[150]);
  took("F_DUPFD at or above a used minimum", fcntl(fds[1], F_DUPFD, fds[120]), fds[120]);
  int far = lowest_free(past + 10);
  took("F_DUPFD at or above a free minimum", fcntl(fds[1], F_DUPFD, far), far);
  int after = took("then the lowest free again", open_null(), 0);
  put(far);
  put(after);
  put(past);
  int far2 = lowest_free(past + 50);
  expect("dup2 far out", dup2(fds[1], far2), far2);
  used[far2] = 1;
  put(took("lowest free below it", open_null(), 0));
  put(far2);
  // close_range frees a block in the middle: the next opens refill it.
  expect("close_range", syscall(SYS_close_range, fds[10], fds[19], 0), 0);
  for (int i = 10; i < 20; i++) used[fds[i]] = 0;
  for (int i = 10; i < 20; i++) took("refill the closed range", open_null(), 0);
  put(took("then past the end again", open_self(), 0));

  // /dev and /dev/pts are still described (pts lists at least ptmx).
  struct stat st;
  expect("stat /dev/null is a character device", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), 1);
  expect("stat /dev/pts is a directory", stat("/dev/pts", &st) == 0 && S_ISDIR(st.st_mode), 1);
  expect("/dev/pts lists ptmx", list_dir("/dev/pts", "ptmx", 0) > 0, 1);
  expect("/dev lists null", list_dir("/dev", "null", 0) > 0, 1);
  // /proc/self/fd: those open at the start, the held ones, the listing's own.
  expect("/proc/self/fd entries", list_dir("/proc/self/fd", NULL, 0), open_before + held + 1);

  printf("%s\n", failures ? "FAILED" : "all descriptor numbers as expected");
  return failures ? 1 : 0;
}
