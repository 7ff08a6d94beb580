// close of host regular files and directories (under junction the lazy
// close makes the host close on the guest's registers when nothing else
// holds the description): the descriptor is gone at once (EBADF, number
// reused), a dup keeps the file open, a mapping survives, closing many in
// a row, and the host file really is closed then: a POSIX lock the process
// holds on the file is released by the close of any descriptor of it.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char* what, long r) {
  printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

// 1 if another process cannot take a write lock on `path` now.
static int locked_by_other(const char* path) {
  pid_t p = fork();
  if (p == 0) {
    int fd = open(path, O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    _exit(fcntl(fd, F_SETLK, &fl) == 0 ? 0 : errno == EAGAIN || errno == EACCES ? 1 : 2);
  }
  int st;
  waitpid(p, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}

int main(void) {
  char dir[] = "/tmp/fs_close_host.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[128];
  snprintf(path, sizeof(path), "%s/f", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, "hello world", 11) != 11) return 1;

  // A dup keeps the description: closing one leaves the other working.
  int d = dup(fd);
  show("close the original", close(fd));
  char buf[16] = {0};
  show("pread through the dup", pread(d, buf, 5, 0));
  printf("read: %s\n", buf);
  show("close the dup", close(d));
  show("close it again", close(d));
  show("fcntl on the closed number", fcntl(d, F_GETFD));

  // The number is free again at once.
  int a = open(path, O_RDONLY);
  show("close", close(a));
  show("the next open gets the same number", open(path, O_RDONLY) == a);
  close(a);

  // A mapping outlives the descriptor.
  int m = open(path, O_RDONLY);
  char* p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 0);
  show("close after mmap", close(m));
  printf("mapped after close: %.11s\n", p == MAP_FAILED ? "(failed)" : p);
  if (p != MAP_FAILED) munmap(p, 4096);

  // A directory.
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  DIR* dh = fdopendir(dup(dfd));
  int entries = 0;
  while (dh && readdir(dh)) entries++;
  if (dh) closedir(dh);
  printf("directory entries: %d\n", entries);
  show("close the directory", close(dfd));
  struct stat st;
  show("fstat on the closed directory", fstat(dfd, &st));

  // Many in a row, then all numbers free again.
  int fds[40];
  for (int i = 0; i < 40; i++) fds[i] = open(i % 2 ? path : dir, O_RDONLY);
  int bad = 0;
  for (int i = 39; i >= 0; i--) bad += close(fds[i]) != 0;
  for (int i = 0; i < 40; i++) bad += fcntl(fds[i], F_GETFD) != -1 || errno != EBADF;
  int again = open(path, O_RDONLY);
  printf("40 closed in a row: %d failures, next open gets the lowest: %d\n", bad, again == fds[0]);
  close(again);

  // The close reaches the host at once: a POSIX lock is released by the
  // close of any descriptor of the file.
  int l = open(path, O_RDWR);
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  show("lock", fcntl(l, F_SETLK, &fl));
  printf("locked for another process: %d\n", locked_by_other(path));
  int other = open(path, O_RDONLY);
  show("close another descriptor of the file", close(other));
  printf("locked for another process after that close: %d\n", locked_by_other(path));
  close(l);

  unlink(path);
  rmdir(dir);
  return 0;
}
