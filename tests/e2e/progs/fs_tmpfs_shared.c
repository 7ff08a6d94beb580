#define _GNU_SOURCE
// `fs_tmpfs_shared DIR`, DIR a tmpfs of size 1M (natively a real tmpfs,
// under junction a config tmpfs mount): files made, renamed and removed by
// a forked child are seen by its parent and the other way round, a shell
// subprocess writes a file the parent reads, statfs reports the tmpfs and
// its size, and the size limit holds across processes (a child fills the
// mount, the parent's write then fails with ENOSPC). It leaves a tree 40
// directories deep for the clean-up at exit.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "in_dir.h"

static void put(const char* name, const char* text) {
  int fd = open(P(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
    printf("put %s: %s\n", name, strerror(errno));
    exit(1);
  }
  close(fd);
}

static void show(const char* name) {
  char buf[128] = {0};
  int fd = open(P(name), O_RDONLY);
  if (fd < 0) {
    printf("%s: %s\n", name, strerror(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  printf("%s: %s", name, n >= 0 ? buf : "read failed\n");
}

static int cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static void list(const char* sub) {
  char* names[64];
  int n = 0;
  DIR* d = opendir(P(sub));
  struct dirent* e;
  while (d && (e = readdir(d)) && n < 64)
    if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  if (d) closedir(d);
  qsort(names, n, sizeof(names[0]), cmp);
  printf("ls %s:", sub);
  for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
  printf("\n");
}

static int in_child(void (*fn)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    fflush(stdout);
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return st;
}

static void child_makes(void) {
  put("a", "from child\n");
  mkdir(P("sub"), 0755);
  put("sub/b", "nested\n");
  rename(P("a"), P("c"));
  put("gone", "x\n");
  unlink(P("gone"));
}

static void child_reads(void) {
  show("fromparent");
  unlink(P("fromparent"));
}

// Writes 64 KiB chunks to `fill` until a write fails.
static void child_fills(void) {
  static char chunk[65536];
  memset(chunk, 'f', sizeof(chunk));
  int fd = open(P("fill"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  long total = 0;
  for (;;) {
    ssize_t n = write(fd, chunk, sizeof(chunk));
    if (n <= 0) {
      printf("child: %ld KiB written, then %s\n", total / 1024, n < 0 ? strerror(errno) : "0");
      break;
    }
    total += n;
  }
  close(fd);
}

static void try_write(const char* name) {
  int fd = open(P(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  char page[4096] = {1};
  ssize_t n = write(fd, page, sizeof(page));
  printf("parent writes %s: %s\n", name, n == (ssize_t)sizeof(page) ? "ok" : strerror(errno));
  close(fd);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  dir = argv[1];
  struct statfs sf;
  if (statfs(dir, &sf) != 0) return 1;
  printf("statfs: %s, %llu KiB\n", sf.f_type == TMPFS_MAGIC ? "tmpfs" : "other",
         (unsigned long long)sf.f_blocks * sf.f_bsize / 1024);

  // Child -> parent, then parent -> child.
  in_child(child_makes);
  list(".");
  list("sub");
  show("c");
  show("sub/b");
  show("a");
  put("fromparent", "from parent\n");
  in_child(child_reads);
  list(".");

  // A shell subprocess writes; the parent reads.
  char cmd[512];
  snprintf(cmd, sizeof(cmd), "echo a > %s/x; cat %s/x; ls %s", dir, dir, dir);
  fflush(stdout);
  if (system(cmd) != 0) printf("system failed\n");
  show("x");

  // The size limit, across processes.
  unlink(P("c"));
  unlink(P("sub/b"));
  rmdir(P("sub"));
  unlink(P("x"));
  in_child(child_fills);
  try_write("more");
  int fd = open(P("alloc"), O_WRONLY | O_CREAT, 0644);
  printf("fallocate 64K: %s\n", fallocate(fd, 0, 0, 65536) == 0 ? "ok" : strerror(errno));
  printf("ftruncate 4M (sparse): %s\n", ftruncate(fd, 4 << 20) == 0 ? "ok" : strerror(errno));
  close(fd);
  if (statfs(dir, &sf) == 0) printf("statfs free: %llu KiB\n", (unsigned long long)sf.f_bfree * sf.f_bsize / 1024);
  fd = open(P("more"), O_RDONLY);
  if (fstatfs(fd, &sf) == 0)
    printf("fstatfs: %s, %llu KiB\n", sf.f_type == TMPFS_MAGIC ? "tmpfs" : "other",
           (unsigned long long)sf.f_blocks * sf.f_bsize / 1024);
  close(fd);
  unlink(P("fill"));
  try_write("more");
  fd = open(P("alloc"), O_WRONLY);
  printf("fallocate 64K: %s\n", fallocate(fd, 0, 0, 65536) == 0 ? "ok" : strerror(errno));
  close(fd);
  unlink(P("alloc"));
  unlink(P("more"));
  list(".");

  // Left for the container's clean-up: a tree deeper than a /dev/shm one.
  char path[1024];
  int len = snprintf(path, sizeof(path), "%s", dir);
  for (int i = 0; i < 40; i++) {
    len += snprintf(path + len, sizeof(path) - len, "/d%d", i);
    if (mkdir(path, 0755) != 0) return 1;
    snprintf(path + len, sizeof(path) - len, "/f");
    close(open(path, O_WRONLY | O_CREAT, 0644));
    path[len] = 0;
  }
  return 0;
}
