// stat, lstat, fstatat and statx of absolute and relative paths (under junction, those on a
// host mount take the lazy path, sys_path_lazy.cc; anything it does not
// take goes through the VFS walk): files, symlinks followed or not,
// dangling links, a symlink in the middle of the path, trailing slashes,
// non-canonical paths, mount points, missing names, bad buffers, names too
// long. Each call is made twice (the first one teaches the LibOS where the
// buffers are) and both answers are printed; the inode is compared with an
// fstat of the opened file.
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char base[64];

static const char* type_of(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFREG: return "regular";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "char device";
    default: return "other";
  }
}

// One answer: the errno, or what the stat says (and whether its inode is
// the one an open of `path` finds).
static void show(const char* what, const char* path, long r, const struct stat* st, int nofollow) {
  if (r != 0) {
    printf("%s: errno %s\n", what, strerrorname_np(errno));
    return;
  }
  const char* ino = "-";
  int fd = open(path, O_RDONLY | O_NONBLOCK | (nofollow ? O_PATH | O_NOFOLLOW : 0));
  struct stat fst;
  if (fd >= 0 && fstat(fd, &fst) == 0) ino = fst.st_ino == st->st_ino && fst.st_dev == st->st_dev ? "same" : "DIFFERENT";
  if (fd >= 0) close(fd);
  long size = S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) ? (long)st->st_size : -1;
  printf("%s: %s mode %o nlink %ld size %ld inode %s\n", what, type_of(st->st_mode), st->st_mode & 07777,
         S_ISDIR(st->st_mode) ? -1L : (long)st->st_nlink, size, ino);
}

static void check(const char* label, const char* rel, int use_base) {
  char path[4200];
  if (use_base) snprintf(path, sizeof(path), "%s%s", base, rel);
  else snprintf(path, sizeof(path), "%s", rel);
  for (int round = 0; round < 2; round++) {
    struct stat st;
    char what[128];
    snprintf(what, sizeof(what), "%s stat #%d", label, round);
    memset(&st, 0, sizeof(st));
    show(what, path, stat(path, &st), &st, 0);
    snprintf(what, sizeof(what), "%s lstat #%d", label, round);
    memset(&st, 0, sizeof(st));
    show(what, path, lstat(path, &st), &st, 1);
    for (int nofollow = 0; nofollow < 2; nofollow++) {
      struct statx sx;
      memset(&sx, 0, sizeof(sx));
      long r = statx(AT_FDCWD, path, nofollow ? AT_SYMLINK_NOFOLLOW : 0, STATX_BASIC_STATS | STATX_BTIME, &sx);
      int basic = (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS;
      snprintf(what, sizeof(what), "%s statx%s #%d (basic %d)", label, nofollow ? " nofollow" : "", round, basic);
      // As a struct stat, plus whether the basic fields came back.
      memset(&st, 0, sizeof(st));
      st.st_mode = sx.stx_mode;
      st.st_nlink = sx.stx_nlink;
      st.st_size = (off_t)sx.stx_size;
      st.st_ino = sx.stx_ino;
      st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
      show(what, path, r, &st, nofollow);
    }
    snprintf(what, sizeof(what), "%s fstatat nofollow #%d", label, round);
    memset(&st, 0, sizeof(st));
    show(what, path, syscall(SYS_newfstatat, -1 /* ignored for an absolute path */, path, &st, AT_SYMLINK_NOFOLLOW),
         &st, 1);
  }
}

int main(void) {
  snprintf(base, sizeof(base), "/tmp/fs_stat_paths.%d", (int)getpid());
  char p[128];
  struct stat st;
  if (mkdir(base, 0755) != 0) return 1;
  snprintf(p, sizeof(p), "%s/file", base);
  int fd = open(p, O_WRONLY | O_CREAT, 0640);
  if (fd < 0 || write(fd, "twelve bytes", 12) != 12) return 1;
  close(fd);
  snprintf(p, sizeof(p), "%s/dir", base);
  mkdir(p, 0700);
  snprintf(p, sizeof(p), "%s/dir/inner", base);
  close(open(p, O_WRONLY | O_CREAT, 0600));
  snprintf(p, sizeof(p), "%s/link", base);
  symlink("file", p);
  snprintf(p, sizeof(p), "%s/abslink", base);
  symlink("/", p);
  snprintf(p, sizeof(p), "%s/dangling", base);
  symlink("nowhere", p);
  snprintf(p, sizeof(p), "%s/dirlink", base);
  symlink("dir", p);
  snprintf(p, sizeof(p), "%s/fifo", base);
  mkfifo(p, 0600);
  // Below a symlink, more than one name (under junction the rest after a
  // link is looked at in one host call; any failure walks it name by name).
  snprintf(p, sizeof(p), "%s/dir/sub", base);
  mkdir(p, 0700);
  snprintf(p, sizeof(p), "%s/dir/sub/deep", base);
  close(open(p, O_WRONLY | O_CREAT, 0600));
  snprintf(p, sizeof(p), "%s/dir/sub/uplink", base);
  symlink("../inner", p);
  snprintf(p, sizeof(p), "%s/dir/sublink", base);
  symlink("sub", p);

  check("file", "/file", 1);
  check("dir", "/dir", 1);
  check("file in dir", "/dir/inner", 1);
  check("relative symlink", "/link", 1);
  check("absolute symlink", "/abslink", 1);
  check("dangling symlink", "/dangling", 1);
  check("symlink mid-path", "/dirlink/inner", 1);
  check("absolute symlink mid-path", "/abslink/tmp", 1);
  check("symlink to dir, trailing slash", "/dirlink/", 1);
  check("two names after a symlink", "/dirlink/sub/deep", 1);
  check("missing after a symlink", "/dirlink/sub/missing", 1);
  check("file as dir after a symlink", "/dirlink/sub/deep/x", 1);
  check("trailing slash after a symlink", "/dirlink/sub/deep/", 1);
  check("symlink at the end after a symlink", "/dirlink/sub/uplink", 1);
  check("second symlink mid-path", "/dirlink/sublink/deep", 1);
  check("dot-dot after a symlink", "/dirlink/sub/../inner", 1);
  check("mount point after a symlink", "/abslink/dev/null", 1);
  check("fifo", "/fifo", 1);
  check("missing", "/missing", 1);
  check("missing dir", "/missing/x", 1);
  check("file as dir", "/file/x", 1);
  check("file, trailing slash", "/file/", 1);
  check("double slash", "//file", 1);
  check("dot", "/./file", 1);
  check("dot-dot", "/dir/../file", 1);
  check("root", "/", 0);
  check("tmp", "/tmp", 0);
  // A LibOS file system's node (the mount points themselves are not
  // compared: /proc's and /dev's inodes and /dev/shm's mode differ).
  check("dev null", "/dev/null", 0);
  char longname[300];
  memset(longname, 'n', sizeof(longname) - 1);
  longname[0] = '/';
  longname[sizeof(longname) - 1] = 0;
  check("name too long", longname, 1);
  char longpath[4200];
  memset(longpath, 'a', sizeof(longpath) - 1);
  for (size_t i = 0; i < sizeof(longpath) - 1; i += 100) longpath[i] = '/';
  longpath[sizeof(longpath) - 1] = 0;
  check("path too long", longpath, 0);

  // Relative to the working directory (under junction the lazy path joins
  // them to it), and through a directory descriptor.
  if (chdir(base) != 0) return 1;
  check("relative file", "file", 0);
  check("relative file in dir", "dir/inner", 0);
  check("relative symlink", "link", 0);
  check("relative symlink mid-path", "dirlink/inner", 0);
  check("relative missing", "missing", 0);
  check("relative dot", "./file", 0);
  check("relative dot-dot", "dir/../file", 0);
  check("relative to root", "../../tmp", 0);
  if (chdir("/") != 0) return 1;
  check("relative at the root", "tmp", 0);
  int dfd = open(base, O_RDONLY | O_DIRECTORY);
  for (int round = 0; round < 2; round++) {
    memset(&st, 0, sizeof(st));
    long r = fstatat(dfd, "file", &st, 0);
    printf("fstatat dirfd #%d: %ld size %ld\n", round, r, r == 0 ? (long)st.st_size : -1L);
    r = fstatat(-5, "file", &st, 0);
    printf("fstatat bad dirfd #%d: %ld errno %s\n", round, r, strerrorname_np(errno));
  }
  close(dfd);

  // Bad buffers: a null one, a read-only page, one ending at an unmapped page.
  snprintf(p, sizeof(p), "%s/file", base);
  for (int round = 0; round < 2; round++) {
    int r = stat(p, NULL);
    printf("null buffer: %d errno %s\n", r, strerrorname_np(errno));
    r = statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, NULL);
    printf("statx null buffer: %d errno %s\n", r, strerrorname_np(errno));
    r = statx(AT_FDCWD, p, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, (struct statx*)&st);
    printf("statx both sync flags: %d errno %s\n", r, strerrorname_np(errno));
    void* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = stat(p, ro);
    printf("read-only buffer: %d errno %s\n", r, strerrorname_np(errno));
    char* two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    r = stat(p, (struct stat*)(two + 4096 - 64));
    printf("buffer across the end: %d errno %s\n", r, strerrorname_np(errno));
    // A path in a page that is read-only, and one missing its NUL before an unmapped page.
    memcpy(two, p, strlen(p) + 1);
    mprotect(two, 4096, PROT_READ);
    printf("path in a read-only page: %d\n", stat(two, &st) == 0 ? (int)st.st_size : -1);
    mprotect(two, 4096, PROT_READ | PROT_WRITE);
    memset(two, 'x', 4096);
    two[0] = '/';
    r = stat(two, &st);
    printf("path without its NUL: %d errno %s\n", r, strerrorname_np(errno));
    munmap(two, 4096);
    munmap(ro, 4096);
  }

  const char* inner[] = {"dir/inner", "dir/sub/deep", "dir/sub/uplink", "dir/sublink"};
  for (size_t i = 0; i < sizeof(inner) / sizeof(inner[0]); i++) {
    snprintf(p, sizeof(p), "%s/%s", base, inner[i]);
    unlink(p);
  }
  snprintf(p, sizeof(p), "%s/dir/sub", base);
  rmdir(p);
  const char* names[] = {"file", "link", "abslink", "dangling", "dirlink", "fifo", "dir"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(p, sizeof(p), "%s/%s", base, names[i]);
    if (i == 6) rmdir(p);
    else unlink(p);
  }
  rmdir(base);
  return 0;
}
