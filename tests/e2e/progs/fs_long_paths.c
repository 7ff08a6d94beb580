// Long paths as Linux treats them: a path *argument* of PATH_MAX (4096)
// bytes or more, or a name of more than NAME_MAX (255), fails with
// ENAMETOOLONG; a directory deeper than PATH_MAX, reached by relative
// steps (openat from a deep descriptor, chdir one name at a time, fchdir),
// works like any other. getcwd answers ENAMETOOLONG there (ERANGE for a
// short buffer), and glibc's getcwd then finds the path itself through "..".
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "show_call.h"

enum { kDepth = 24, kNameLen = 200 };

// The name of level i: 200 bytes, unique per level.
static const char* Name(int i) {
  static char buf[kNameLen + 1];
  memset(buf, 'a' + i % 26, kNameLen);
  snprintf(buf, 4, "%02d", i);
  buf[2] = '_';
  buf[kNameLen] = 0;
  return buf;
}

static char* Repeat(char c, size_t n) {
  char* s = malloc(n + 1);
  memset(s, c, n);
  s[n] = 0;
  return s;
}

// "./././.../name" of exactly `len` bytes.
static char* DotPath(const char* name, size_t len) {
  size_t nl = strlen(name);
  char* s = malloc(len + 1);
  size_t pre = len - nl;
  for (size_t i = 0; i < pre; i++) s[i] = (i % 2 == 0) ? '.' : '/';
  if (pre % 2) s[pre - 1] = '/';  // ends in '/' before the name either way
  memcpy(s + pre, name, nl + 1);
  return s;
}

static void Names(void) {
  char* n255 = Repeat('n', 255);
  char* n256 = Repeat('n', 256);
  char buf[600];
  SHOW("mkdir name 255", mkdir(n255, 0700));
  SHOW("mkdir name 256", mkdir(n256, 0700));
  SHOW("open O_CREAT name 256", open(n256, O_CREAT | O_WRONLY, 0600));
  struct stat st;
  SHOW("stat name 256 missing", stat(n256, &st));
  snprintf(buf, sizeof(buf), "%s/x", n256);
  SHOW("stat name 256 in the middle", stat(buf, &st));
  snprintf(buf, sizeof(buf), "nosuchdir/%s", n256);
  SHOW("stat missing dir then name 256", stat(buf, &st));
  snprintf(buf, sizeof(buf), "%s/f", n255);
  int fd = open(buf, O_CREAT | O_WRONLY, 0600);
  SHOW("open in name-255 dir", fd);
  close(fd);
  SHOW("unlink in name-255 dir", unlink(buf));
  SHOW("rename to name 256", rename(n255, n256));
  SHOW("symlink at name 256", symlink("x", n256));
  SHOW("rmdir name 255", rmdir(n255));
  free(n255);
  free(n256);
}

static void Arguments(void) {
  int fd = open("target", O_CREAT | O_WRONLY, 0600);
  close(fd);
  struct stat st;
  char* p = DotPath("target", PATH_MAX - 1);
  printf("length %zu\n", strlen(p));
  SHOW("stat path 4095", stat(p, &st));
  fd = open(p, O_RDONLY);
  SHOW("open path 4095", fd);
  if (fd >= 0) close(fd);
  SHOW("access path 4095", access(p, R_OK));
  free(p);
  p = DotPath("target", PATH_MAX);
  printf("length %zu\n", strlen(p));
  SHOW("stat path 4096", stat(p, &st));
  SHOW("open path 4096", open(p, O_RDONLY));
  SHOW("access path 4096", access(p, R_OK));
  SHOW("mkdir path 4096", mkdir(p, 0700));
  SHOW("chdir path 4096", chdir(p));
  SHOW("symlink target 4096", symlink(p, "toolong"));
  free(p);
  p = DotPath("nosuch", PATH_MAX);
  SHOW("stat missing path 4096", stat(p, &st));
  free(p);
  // A symlink whose target is 4095 bytes: allowed; following it works.
  p = DotPath("target", PATH_MAX - 1);
  SHOW("symlink target 4095", symlink(p, "longlink"));
  SHOW("stat through it", stat("longlink", &st));
  char* buf = malloc(PATH_MAX + 10);
  long n = readlink("longlink", buf, PATH_MAX + 10);
  SHOW("readlink it", n);
  printf("same target: %d\n", n == PATH_MAX - 1 && memcmp(buf, p, n) == 0);
  free(buf);
  free(p);
  unlink("longlink");
  unlink("target");
}

// Descriptors of each level, [0] the working directory.
static int level_fd[kDepth + 1];

static void BuildDeep(void) {
  level_fd[0] = open(".", O_RDONLY | O_DIRECTORY);
  int ok = 1;
  for (int i = 1; i <= kDepth; i++) {
    if (mkdirat(level_fd[i - 1], Name(i), 0700) != 0) ok = 0;
    level_fd[i] = openat(level_fd[i - 1], Name(i), O_RDONLY | O_DIRECTORY);
    if (level_fd[i] < 0) {
      printf("openat level %d: %s\n", i, strerror(errno));
      ok = 0;
      break;
    }
  }
  printf("built %d levels (%d bytes deep): %d\n", kDepth, kDepth * (kNameLen + 1), ok);
}

static void Deep(void) {
  int d = level_fd[kDepth];
  int fd = openat(d, "file", O_CREAT | O_WRONLY | O_TRUNC, 0640);
  SHOW("create deep file", fd);
  SHOW("write it", write(fd, "hello", 5));
  close(fd);
  fd = openat(d, "file", O_RDONLY);
  char buf[16] = {0};
  SHOW("read it", read(fd, buf, sizeof(buf)));
  printf("content: %s\n", buf);
  struct stat st, st2;
  SHOW("fstat it", fstat(fd, &st));
  printf("size %ld mode %o\n", (long)st.st_size, st.st_mode & 07777);
  // /proc/self/fd/N of a file deeper than a page: Linux cannot name it.
  char link[64], target[PATH_MAX];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  SHOW("readlink /proc/self/fd of it", readlink(link, target, sizeof(target)));
  close(fd);
  SHOW("fstatat it", fstatat(d, "file", &st2, 0));
  printf("same inode: %d\n", st.st_ino == st2.st_ino);
  SHOW("faccessat", faccessat(d, "file", R_OK | W_OK, 0));
  SHOW("fchmodat 0600", fchmodat(d, "file", 0600, 0));
  fstatat(d, "file", &st2, 0);
  printf("mode now %o\n", st2.st_mode & 07777);
  struct timespec ts[2] = {{1000000, 0}, {2000000, 0}};
  SHOW("utimensat", utimensat(d, "file", ts, 0));
  fstatat(d, "file", &st2, 0);
  printf("mtime %ld\n", (long)st2.st_mtime);
  SHOW("truncate via openat", ftruncate(fd = openat(d, "file", O_WRONLY), 2));
  close(fd);
  SHOW("symlinkat", symlinkat("file", d, "link"));
  char lt[64] = {0};
  SHOW("readlinkat", readlinkat(d, "link", lt, sizeof(lt) - 1));
  printf("link -> %s\n", lt);
  fd = openat(d, "link", O_RDONLY);
  SHOW("open through link", fd);
  memset(buf, 0, sizeof(buf));
  read(fd, buf, sizeof(buf));
  printf("content: %s\n", buf);
  close(fd);
  SHOW("linkat", linkat(d, "file", d, "hard", 0));
  SHOW("renameat", renameat(d, "hard", d, "moved"));
  SHOW("renameat up two levels", renameat(d, "moved", level_fd[kDepth - 2], "moved"));
  SHOW("fstatat ../../moved", fstatat(d, "../../moved", &st2, 0));
  printf("nlink %ld\n", (long)st2.st_nlink);
  SHOW("unlinkat ../../moved", unlinkat(d, "../../moved", 0));
  SHOW("mkdirat", mkdirat(d, "sub", 0700));
  SHOW("mknodat fifo", mknodat(d, "fifo", S_IFIFO | 0600, 0));
  struct statfs sfs;
  fd = openat(d, "sub", O_RDONLY | O_DIRECTORY);
  SHOW("fstatfs", fstatfs(fd, &sfs));
  close(fd);
  // The directory lists what was made in it.
  fd = openat(d, ".", O_RDONLY | O_DIRECTORY);
  DIR* dir = fdopendir(fd);
  int names = -1;
  if (dir) {
    struct dirent* e;
    for (names = 0; (e = readdir(dir)); names++) {
    }
    closedir(dir);
  }
  printf("entries in the deepest dir: %d\n", names);
  // ".." from the deepest level, many times over: the start is deep.
  char up[3 * kDepth + 8] = "";
  for (int i = 0; i < kDepth; i++) strcat(up, "../");
  strcat(up, ".");
  SHOW("fstatat all the way up", fstatat(d, up, &st2, 0));
  fstat(level_fd[0], &st);
  printf("back at the start: %d\n", st.st_ino == st2.st_ino);
}

static long RawGetcwd(char* buf, size_t size) { return syscall(SYS_getcwd, buf, size); }

static void Cwd(void) {
  char* buf = malloc(3 * PATH_MAX);
  char here[PATH_MAX];
  getcwd(here, sizeof(here));
  size_t base = strlen(here);
  struct stat st;
  int i;
  // Step down; report where getcwd starts to fail.
  for (i = 1; i <= kDepth; i++) {
    if (chdir(Name(i)) != 0) {
      printf("chdir level %d: %s\n", i, strerror(errno));
      break;
    }
    long r = RawGetcwd(buf, 3 * PATH_MAX);
    size_t want = base + (size_t)i * (kNameLen + 1) + 1;
    if (r < 0) {
      printf("level %d: getcwd %s (path %s PATH_MAX)\n", i, strerror(errno),
             want > PATH_MAX ? "over" : "within");
    } else if ((size_t)r != want) {
      printf("level %d: getcwd length %ld, want %zu\n", i, r, want);
    }
    // A buffer one byte short.
    if (r > 0) {
      errno = 0;
      long s = RawGetcwd(buf, (size_t)r - 1);
      if (s >= 0 || errno != ERANGE) printf("level %d: short buffer gives %ld %s\n", i, s, strerror(errno));
    }
  }
  SHOW("stat file in cwd", stat("file", &st));
  SHOW("stat .. in cwd", stat("..", &st));
  char target[PATH_MAX];
  SHOW("readlink /proc/self/cwd", readlink("/proc/self/cwd", target, sizeof(target)));
  // Following the magic link never names it: a path through it works.
  int pfd = open("/proc/self/cwd/file", O_RDONLY);
  SHOW("open /proc/self/cwd/file", pfd < 0 ? -1 : 0);
  if (pfd >= 0) close(pfd);
  char via_fd[64];
  snprintf(via_fd, sizeof(via_fd), "/proc/self/fd/%d/file", level_fd[kDepth]);
  pfd = open(via_fd, O_RDONLY);
  SHOW("open /proc/self/fd/N/file", pfd < 0 ? -1 : 0);
  if (pfd >= 0) close(pfd);
  struct stat here_st;
  stat(".", &here_st);
  SHOW("stat /proc/self/cwd", stat("/proc/self/cwd", &st));
  printf("  the cwd: %d\n", st.st_ino == here_st.st_ino && st.st_dev == here_st.st_dev);
  SHOW("chdir /proc/self/cwd", chdir("/proc/self/cwd"));
  SHOW("stat file after it", stat("file", &st));
  // glibc's getcwd walks ".." itself when the kernel's answer is too long.
  char* g = getcwd(NULL, 0);
  printf("glibc getcwd: %s", g ? "ok" : strerror(errno));
  if (g) printf(", length %zu, starts at the start: %d", strlen(g), strncmp(g, here, base) == 0);
  printf("\n");
  if (g && strlen(g) > base) {
    // Every name below the start is the level's name.
    int good = 1;
    char* p = g + base;
    for (int k = 1; k <= kDepth; k++) {
      if (*p != '/' || strncmp(p + 1, Name(k), kNameLen) != 0) good = 0;
      p += kNameLen + 1;
    }
    printf("glibc getcwd names: %d\n", good && *p == 0);
  }
  free(g);
  int fd = open("file", O_RDONLY);
  SHOW("open file in deep cwd", fd);
  close(fd);
  // Back to the top by fchdir, then straight to the bottom.
  SHOW("fchdir to the start", fchdir(level_fd[0]));
  SHOW("getcwd at the start", RawGetcwd(buf, PATH_MAX) > 0 ? 0 : -1);
  SHOW("fchdir to the deepest", fchdir(level_fd[kDepth]));
  SHOW("stat file after fchdir", stat("file", &st));
  SHOW("chdir ../..", chdir("../.."));
  SHOW("stat the deepest's file from two up", stat(Name(kDepth - 1), &st));
  fchdir(level_fd[0]);
  free(buf);
}

static void Teardown(void) {
  int d = level_fd[kDepth];
  unlinkat(d, "file", 0);
  unlinkat(d, "link", 0);
  unlinkat(d, "fifo", 0);
  unlinkat(d, "sub", AT_REMOVEDIR);
  int ok = 1;
  for (int i = kDepth; i >= 1; i--) {
    close(level_fd[i]);
    if (unlinkat(level_fd[i - 1], Name(i), AT_REMOVEDIR) != 0) {
      printf("rmdir level %d: %s\n", i, strerror(errno));
      ok = 0;
    }
  }
  printf("removed: %d\n", ok);
}

int main(int argc, char** argv) {
  // Work in a fresh directory of our own (argv[1] or /tmp).
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/fs_long_paths.XXXXXX", argc > 1 ? argv[1] : "/tmp");
  if (!mkdtemp(dir) || chdir(dir) != 0) return 1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  Names();
  Arguments();
  BuildDeep();
  Deep();
  Cwd();
  Teardown();
  chdir("/");
  rmdir(dir);
  return 0;
}
