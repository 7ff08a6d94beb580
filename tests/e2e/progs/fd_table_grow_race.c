// Lazy read/pread/write lookups racing descriptor-table changes: one thread
// reads a file with pread and read and writes a pipe as fast as it can while
// another opens hundreds of descriptors (growing the table; half /dev/null,
// half a regular host file, whose close is the lazy close under junction)
// and closes them again. Every byte read must be right. On two cores this
// is the race the lazy lookup's table lock exists for.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kRounds = 40, kFds = 900 };

static volatile int done;
static int file_fd, pipe_fds[2];

static void* reader(void* arg) {
  (void)arg;
  long bad = 0, ok = 0;
  char buf[64], want[64];
  for (int i = 0; i < 64; i++) want[i] = (char)('a' + i % 26);
  while (!done) {
    if (pread(file_fd, buf, sizeof(buf), 0) != sizeof(buf) || memcmp(buf, want, sizeof(buf))) bad++;
    else ok++;
    if (write(pipe_fds[1], "x", 1) != 1) bad++;
    char c;
    if (read(pipe_fds[0], &c, 1) != 1 || c != 'x') bad++;
  }
  printf("reader: %s\n", bad == 0 && ok > 0 ? "every read right" : "WRONG DATA");
  return NULL;
}

int main(void) {
  char path[] = "/tmp/fd_table_grow_race.XXXXXX";
  file_fd = mkstemp(path);
  if (file_fd < 0) return 1;
  unlink(path);
  char other[] = "/tmp/fd_table_grow_race_other.XXXXXX";
  int other_fd = mkstemp(other);
  if (other_fd < 0) return 1;
  close(other_fd);
  char data[64];
  for (int i = 0; i < 64; i++) data[i] = (char)('a' + i % 26);
  if (write(file_fd, data, sizeof(data)) != sizeof(data)) return 1;
  if (pipe(pipe_fds)) return 1;
  pthread_t t;
  pthread_create(&t, NULL, reader, NULL);
  int opened = 0;
  static int fds[kFds];
  for (int r = 0; r < kRounds; r++) {
    int n = 0;
    for (; n < kFds; n++) {
      fds[n] = open(n % 2 ? other : "/dev/null", O_RDONLY);
      if (fds[n] < 0) break;
    }
    opened += n;
    for (int i = 0; i < n; i++) close(fds[i]);
  }
  done = 1;
  pthread_join(t, NULL);
  unlink(other);
  printf("opened and closed %d descriptors in %d rounds\n", opened, kRounds);
  return 0;
}
