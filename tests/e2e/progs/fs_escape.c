// Tries to leave the container root (fs_root_test.sh runs it, statically
// linked, inside a root that holds /etc/marker = "inside" and symlinks
// d/abs -> /etc, d/rel -> ../../../../../../etc, d/e/up -> /../../..):
// through "..", absolute and relative symlinks (by open and by stat),
// /proc/self/root and cwd, openat2 with and without RESOLVE_* flags, and
// by creating files. Prints
// what each attempt reads or its errno; every read must say "inside" or
// fail, and creations must land inside the root.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void Show(const char* what, long fd) {
  if (fd < 0) {
    printf("%s: %s\n", what, strerror(errno));
    return;
  }
  char buf[64] = {0};
  ssize_t n = read((int)fd, buf, sizeof(buf) - 1);
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
  printf("%s: %s\n", what, n >= 0 ? buf : strerror(errno));
  close((int)fd);
}

// stat of `path`, twice (under junction the second takes the lazy stat,
// once the LibOS knows the buffers): its size, or the errno.
static void StatTwice(const char* what, const char* path) {
  for (int i = 0; i < 2; i++) {
    struct stat st;
    if (stat(path, &st) != 0) printf("%s: %s\n", what, strerror(errno));
    else printf("%s: size %ld\n", what, (long)st.st_size);
  }
}

static long Openat2(int dirfd, const char* path, unsigned long long resolve) {
  struct open_how how = {.flags = O_RDONLY, .resolve = resolve};
  return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int d = open("/d", O_RDONLY | O_DIRECTORY);
  Show("dot-dot", open("/../../../../etc/marker", O_RDONLY));
  Show("absolute symlink", open("/d/abs/marker", O_RDONLY));
  Show("relative symlink", open("/d/rel/marker", O_RDONLY));
  Show("symlink to /../..", open("/d/e/up/etc/marker", O_RDONLY));
  Show("host file", open("/etc/passwd", O_RDONLY));
  Show("host file past the root", open("/d/rel/passwd", O_RDONLY));
  Show("proc self root", open("/proc/self/root/etc/marker", O_RDONLY));
  Show("proc self root dot-dot", open("/proc/self/root/../../etc/passwd", O_RDONLY));
  Show("proc self cwd dot-dot", open("/proc/self/cwd/../../../etc/marker", O_RDONLY));
  Show("openat2 plain dot-dot", Openat2(d, "../../../../etc/marker", 0));
  Show("openat2 plain host file", Openat2(AT_FDCWD, "/../etc/passwd", 0));
  Show("openat2 BENEATH dot-dot", Openat2(d, "../etc/marker", RESOLVE_BENEATH));
  Show("openat2 BENEATH absolute link", Openat2(d, "abs/marker", RESOLVE_BENEATH));
  Show("openat2 IN_ROOT dot-dot", Openat2(d, "../../../abs/marker", RESOLVE_IN_ROOT));
  Show("openat2 IN_ROOT absolute", Openat2(d, "/etc/marker", RESOLVE_IN_ROOT));
  Show("openat2 NO_SYMLINKS", Openat2(AT_FDCWD, "/d/abs/marker", RESOLVE_NO_SYMLINKS));
  Show("openat2 NO_MAGICLINKS", Openat2(AT_FDCWD, "/proc/self/root/etc/marker", RESOLVE_NO_MAGICLINKS));
  StatTwice("stat absolute symlink", "/d/abs/marker");
  StatTwice("stat host file past the root", "/d/rel/passwd");
  StatTwice("stat through the symlink to /../..", "/d/e/up/etc/marker");
  char cwd[256];
  chdir("/../../..");
  printf("cwd after chdir up: %s\n", getcwd(cwd, sizeof(cwd)));
  int fd = open("/../../escape-test", O_CREAT | O_WRONLY, 0600);
  printf("create past the root: %s\n", fd >= 0 ? "created" : strerror(errno));
  close(fd);
  fd = openat(d, "../../../escape-test2", O_CREAT | O_WRONLY, 0600);
  printf("create relative past the root: %s\n", fd >= 0 ? "created" : strerror(errno));
  close(fd);
  printf("symlink creation: %s\n", symlink("/etc/passwd", "/d/new-link") == 0 ? "ok" : strerror(errno));
  Show("through the new symlink", open("/d/new-link", O_RDONLY));
  return 0;
}
