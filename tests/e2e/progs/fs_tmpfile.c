// O_TMPFILE compared with Linux, on a host directory and on tmpfs
// (/dev/shm): an unnamed file (nlink 0, not listed, "/dir/#ino (deleted)"
// in /proc/self/fd), named later through /proc/self/fd with
// AT_SYMLINK_FOLLOW and with AT_EMPTY_PATH; O_EXCL forbids that; bad
// flags and paths.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void Result(const char* what, long r) {
  int err = errno;
  printf("  %s: %s\n", what, r < 0 ? strerror(err) : "ok");
}

static void List(const char* dir) {
  DIR* d = opendir(dir);
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  printf("  entries: %d\n", n);
}

static void In(const char* dir) {
  printf("%s:\n", strncmp(dir, "/dev/shm", 8) == 0 ? "tmpfs" : "host directory");
  umask(022);
  int fd = open(dir, O_TMPFILE | O_RDWR, 0640);
  Result("open O_TMPFILE", fd);
  if (fd < 0) return;
  write(fd, "unnamed data", 12);
  char buf[32] = {0};
  pread(fd, buf, sizeof(buf) - 1, 0);
  struct stat st;
  fstat(fd, &st);
  printf("  read back '%s', nlink %lu, mode %o, regular %d\n", buf, (unsigned long)st.st_nlink,
         st.st_mode & 0777, S_ISREG(st.st_mode));
  char link[64], target[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof(target) - 1);
  target[n > 0 ? n : 0] = 0;
  char want[4200];
  snprintf(want, sizeof(want), "%s/#%lu (deleted)", dir, (unsigned long)st.st_ino);
  printf("  /proc/self/fd names it as Linux does: %d\n", strcmp(target, want) == 0);
  List(dir);

  char named[4200], named2[4200];
  snprintf(named, sizeof(named), "%s/named", dir);
  snprintf(named2, sizeof(named2), "%s/named2", dir);
  Result("link via /proc/self/fd", linkat(AT_FDCWD, link, AT_FDCWD, named, AT_SYMLINK_FOLLOW));
  Result("link with AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, named2, AT_EMPTY_PATH));
  Result("link to an existing name", linkat(fd, "", AT_FDCWD, named2, AT_EMPTY_PATH));
  stat(named, &st);
  int rfd = open(named2, O_RDONLY);
  memset(buf, 0, sizeof(buf));
  read(rfd, buf, sizeof(buf) - 1);
  printf("  named: nlink %lu, content '%s'\n", (unsigned long)st.st_nlink, buf);
  close(rfd);
  List(dir);
  unlink(named);
  unlink(named2);
  close(fd);

  int ex = open(dir, O_TMPFILE | O_EXCL | O_WRONLY, 0600);
  Result("open O_TMPFILE|O_EXCL", ex);
  snprintf(link, sizeof(link), "/proc/self/fd/%d", ex);
  Result("link an O_EXCL one", linkat(AT_FDCWD, link, AT_FDCWD, named, AT_SYMLINK_FOLLOW));
  close(ex);
  Result("read-only O_TMPFILE", open(dir, O_TMPFILE | O_RDONLY, 0600));
  Result("O_TMPFILE with O_CREAT", open(dir, O_TMPFILE | O_CREAT | O_RDWR, 0600));
  char file[4200], missing[4200];
  snprintf(file, sizeof(file), "%s/plain", dir);
  close(open(file, O_CREAT | O_WRONLY, 0600));
  Result("O_TMPFILE on a file", open(file, O_TMPFILE | O_RDWR, 0600));
  unlink(file);
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  Result("O_TMPFILE in a missing directory", open(missing, O_TMPFILE | O_RDWR, 0600));
  List(dir);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char host[] = "/tmp/jn-tmpfile-XXXXXX";
  In(mkdtemp(host));
  rmdir(host);
  char shm[] = "/dev/shm/jn-tmpfile-XXXXXX";
  In(mkdtemp(shm));
  rmdir(shm);
  return 0;
}
