// execve's files: the probe's permission and type checks (EACCES, ENOENT,
// ENOEXEC), a #! script and a binary that are each probed then loaded from
// one open, and the identity (device, inode) /proc/self/maps gives the
// executable, its interpreter and a file the program maps (twice, so a
// remembered identity is checked against a fresh one).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int failed;
static void check(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) failed = 1;
}

// errno of an execve in a child (0 if it ran the program, which exits 0).
static int exec_errno(const char* path) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    char* argv[] = {(char*)path, NULL};
    char* envp[] = {NULL};
    execve(path, argv, envp);
    int e = errno;
    if (write(p[1], &e, sizeof(e)) != sizeof(e)) _exit(2);
    _exit(1);
  }
  close(p[1]);
  int e = 0;
  if (read(p[0], &e, sizeof(e)) != sizeof(e)) e = 0;
  close(p[0]);
  int st;
  waitpid(c, &st, 0);
  if (e == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) return -1;
  return e;
}

// True if a line of /proc/self/maps names `path` with the device and
// inode of stat(path) (maps shows the canonical path).
static int maps_names(const char* maps, const char* path) {
  struct stat st;
  char real[4096];
  if (stat(path, &st) != 0 || !realpath(path, real)) return 0;
  const char* line = maps;
  while (line && *line) {
    const char* end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    char buf[8192];
    if (n >= sizeof(buf)) n = sizeof(buf) - 1;
    memcpy(buf, line, n);
    buf[n] = 0;
    unsigned maj, min;
    unsigned long ino;
    char name[4096] = "";
    if (sscanf(buf, "%*s %*s %*s %x:%x %lu %4095s", &maj, &min, &ino, name) == 4 &&
        strcmp(name, real) == 0) {
      return makedev(maj, min) == st.st_dev && ino == st.st_ino;
    }
    line = end ? end + 1 : NULL;
  }
  return 0;
}

static char* read_all(int fd) {
  size_t cap = 1 << 16, len = 0;
  char* b = malloc(cap);
  for (;;) {
    if (len + 4096 > cap) b = realloc(b, cap *= 2);
    ssize_t r = read(fd, b + len, cap - len - 1);
    if (r <= 0) break;
    len += (size_t)r;
  }
  b[len] = 0;
  return b;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "maps") == 0) {
    // The exec'd copy: its own image, ld.so and a file it maps.
    int fd = open("/etc/passwd", O_RDONLY);
    void* a = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    void* b = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    int mfd = open("/proc/self/maps", O_RDONLY);
    char* maps = read_all(mfd);
    check(a != MAP_FAILED && b != MAP_FAILED, "mmap /etc/passwd twice");
    check(maps_names(maps, "/proc/self/exe"), "maps: the executable's device and inode");
    check(maps_names(maps, "/lib64/ld-linux-x86-64.so.2"), "maps: the interpreter's device and inode");
    check(maps_names(maps, "/etc/passwd"), "maps: a mapped file's device and inode");
    return failed;
  }
  char dir[] = "/tmp/exec_files.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char plain[256], script[256], noexec_script[256], garbage[256];
  snprintf(plain, sizeof(plain), "%s/plain", dir);
  snprintf(script, sizeof(script), "%s/script", dir);
  snprintf(noexec_script, sizeof(noexec_script), "%s/script_noexec", dir);
  snprintf(garbage, sizeof(garbage), "%s/garbage", dir);
  FILE* f = fopen(plain, "w");
  fputs("#!/bin/true\n", f);
  fclose(f);
  chmod(plain, 0644);
  f = fopen(script, "w");
  fputs("#!/bin/sh\nexit 0\n", f);
  fclose(f);
  chmod(script, 0755);
  f = fopen(noexec_script, "w");
  fputs("#!/tmp/does/not/exist\n", f);
  fclose(f);
  chmod(noexec_script, 0755);
  f = fopen(garbage, "w");
  fputs("\x7f" "ELF garbage, not an ELF header at all................................", f);
  fclose(f);
  chmod(garbage, 0755);

  check(exec_errno(plain) == EACCES, "exec of a file without execute permission: EACCES");
  check(exec_errno(dir) == EACCES, "exec of a directory: EACCES");
  check(exec_errno("/tmp/does/not/exist") == ENOENT, "exec of a missing file: ENOENT");
  check(exec_errno(noexec_script) == ENOENT, "exec of a script whose interpreter is missing: ENOENT");
  check(exec_errno(garbage) == ENOEXEC, "exec of a broken ELF: ENOEXEC");
  check(exec_errno(script) == 0, "exec of a #! script");
  check(exec_errno("/bin/true") == 0, "exec of /bin/true through a symlinked /bin");

  // The same program exec'd again checks its own mappings.
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    execl("/proc/self/exe", argv[0], "maps", (char*)NULL);
    _exit(127);
  }
  int st;
  waitpid(c, &st, 0);
  check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the exec'd copy's checks");
  unlink(plain);
  unlink(script);
  unlink(noexec_script);
  unlink(garbage);
  rmdir(dir);
  return failed;
}
