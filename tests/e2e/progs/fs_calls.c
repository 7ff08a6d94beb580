// File system calls, natively and under junction: each line is a call and
// its result (value or errno name), in a fresh directory under /tmp.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static void r(const char* what, long v) {
  if (v < 0)
    printf("%-40s %s\n", what, strerrorname_np(errno));
  else
    printf("%-40s %ld\n", what, v);
}

static long openat2_(int dirfd, const char* p, int flags, unsigned long long resolve) {
  struct open_how how = {.flags = (unsigned long long)flags, .resolve = resolve};
  return syscall(SYS_openat2, dirfd, p, &how, sizeof(how));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char dir[] = "/tmp/fs_calls.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  r("chdir", chdir(dir));
  r("mkdir d", mkdir("d", 0755));
  r("mkdir d again", mkdir("d", 0755));
  r("mkdir d/e/f (no parent)", mkdir("d/e/f", 0755));
  int fd = open("d/file", O_CREAT | O_RDWR | O_TRUNC, 0644);
  r("open d/file", fd >= 0 ? 0 : -1);
  r("write", write(fd, "hello world\n", 12));
  r("lseek cur", lseek(fd, 0, SEEK_CUR));
  r("pwrite", pwrite(fd, "HELLO", 5, 0));
  char buf[64] = {0};
  r("pread", pread(fd, buf, sizeof(buf), 0));
  printf("content %s", buf);
  // Again (the LibOS's lazy path once it knows the buffer), then the errors.
  for (int i = 0; i < 3; i++) r("pread again", pread(fd, buf, 5, 6));
  r("pread negative offset", pread(fd, buf, 5, -1));
  r("pread bad fd", pread(999, buf, 5, 0));
  r("pread NULL buffer", pread(fd, NULL, 5, 0));
  {
    char* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r("pread into read-only memory", pread(fd, ro, 5, 0));
    r("pwrite from read-only memory", pwrite(fd, ro, 1, 200) >= 0 ? 0 : -1);
    munmap(ro, 4096);
    r("pread into unmapped memory", pread(fd, ro, 5, 0));
  }
  int rdonly = open("d/file", O_RDONLY), wronly = open("d/file", O_WRONLY), opath = open("d/file", O_PATH);
  r("pwrite on O_RDONLY", pwrite(rdonly, "x", 1, 0));
  r("pread on O_WRONLY", pread(wronly, buf, 1, 0));
  r("pread on O_PATH", pread(opath, buf, 1, 0));
  r("pread on O_RDONLY", pread(rdonly, buf, 5, 0));
  close(rdonly);
  r("pread after close", pread(rdonly, buf, 5, 0));
  close(wronly);
  close(opath);
  int pfd[2];
  if (pipe(pfd) == 0) {
    r("pread on a pipe", pread(pfd[0], buf, 1, 0));
    // Reads that find data and writes that fit (the LibOS's lazy path),
    // then the cases it leaves to the full one.
    for (int i = 0; i < 3; i++) {
      r("pipe write", write(pfd[1], "abc", 3));
      r("pipe read", read(pfd[0], buf, sizeof(buf)));
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = pfd[0]};
    r("epoll_ctl pipe", epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev));
    r("epoll_wait empty pipe", epoll_wait(ep, &ev, 1, 0));
    r("pipe write (watched)", write(pfd[1], "x", 1));
    r("epoll_wait after write", epoll_wait(ep, &ev, 1, 1000));
    r("pipe read (watched)", read(pfd[0], buf, sizeof(buf)));
    r("epoll_wait drained", epoll_wait(ep, &ev, 1, 0));
    close(ep);
    r("pipe write", write(pfd[1], "y", 1));
    r("pipe read into read-only memory", read(pfd[0], (void*)main, 1));
    r("pipe read after EFAULT", read(pfd[0], buf, sizeof(buf)));
    r("fcntl O_NONBLOCK", fcntl(pfd[0], F_SETFL, O_NONBLOCK));
    r("pipe read empty nonblocking", read(pfd[0], buf, sizeof(buf)));
    r("pipe write on read end", write(pfd[0], "x", 1));
    r("pipe read on write end", read(pfd[1], buf, 1));
    r("pipe write 0", write(pfd[1], buf, 0));
    close(pfd[0]);
    signal(SIGPIPE, SIG_IGN);
    r("pipe write without reader", write(pfd[1], "x", 1));
    close(pfd[1]);
  }
  if (pipe2(pfd, O_DIRECT) == 0) {
    r("packet write 3", write(pfd[1], "abc", 3));
    r("packet write 5", write(pfd[1], "defgh", 5));
    r("packet read", read(pfd[0], buf, sizeof(buf)));
    r("packet read", read(pfd[0], buf, 2));
    close(pfd[0]);
    close(pfd[1]);
  }
  r("pwrite past end", pwrite(fd, "!", 1, 300));
  r("ftruncate back", ftruncate(fd, 12));
  struct iovec iov[2] = {{buf, 3}, {buf + 3, 4}};
  r("lseek set", lseek(fd, 0, SEEK_SET));
  r("readv", readv(fd, iov, 2));
  r("preadv", preadv(fd, iov, 2, 6));
  r("lseek end", lseek(fd, 0, SEEK_END));
  r("ftruncate 100", ftruncate(fd, 100));
  struct stat st;
  r("fstat", fstat(fd, &st));
  printf("size %ld mode %o nlink %ld\n", (long)st.st_size, st.st_mode, (long)st.st_nlink);
  r("fallocate", fallocate(fd, 0, 0, 8192));
  r("fsync", fsync(fd));
  r("fdatasync", fdatasync(fd));
  r("flock ex", flock(fd, LOCK_EX | LOCK_NB));
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
  r("fcntl setlk", fcntl(fd, F_SETLK, &fl));
  r("fcntl getfl", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
  r("fcntl setfl append", fcntl(fd, F_SETFL, O_APPEND));
  r("fcntl getfl", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
  r("fcntl getfd", fcntl(fd, F_GETFD));
  r("fcntl setfd", fcntl(fd, F_SETFD, FD_CLOEXEC));
  r("fcntl getfd", fcntl(fd, F_GETFD));
  int d2 = dup(fd);
  r("dup shares offset", lseek(d2, 5, SEEK_SET) == lseek(fd, 0, SEEK_CUR) ? 1 : 0);
  r("dup2 to 50", dup2(fd, 50));
  r("dup3 same", dup3(50, 50, 0));
  r("dup3 cloexec", dup3(fd, 51, O_CLOEXEC));
  r("fcntl getfd 51", fcntl(51, F_GETFD));
  r("F_DUPFD 60", fcntl(fd, F_DUPFD, 60));
  r("close_range 50-60", syscall(SYS_close_range, 50, 60, 0));
  r("close 50 again", close(50));
  r("close d2", close(d2));
  // mmap shared: visible through another descriptor
  int fd2 = open("d/file", O_RDWR);
  char* m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
  r("mmap shared", m == MAP_FAILED ? -1 : 0);
  if (m != MAP_FAILED) {
    memcpy(m, "MAPPED", 6);
    r("msync", msync(m, 4096, MS_SYNC));
    r("pread after mmap", pread(fd, buf, 6, 0));
    printf("content %.6s\n", buf);
    munmap(m, 4096);
  }
  close(fd2);
  r("close", close(fd));
  // links and renames
  r("symlink", symlink("file", "d/link"));
  r("symlink exists", symlink("file", "d/link"));
  char lb[64] = {0};
  r("readlink", readlink("d/link", lb, sizeof(lb)));
  printf("link %s\n", lb);
  r("readlink on file", readlink("d/file", lb, sizeof(lb)));
  r("lstat link", lstat("d/link", &st) == 0 ? (long)S_ISLNK(st.st_mode) : -1);
  r("stat link", stat("d/link", &st) == 0 ? (long)S_ISREG(st.st_mode) : -1);
  r("open O_NOFOLLOW link", open("d/link", O_RDONLY | O_NOFOLLOW));
  r("symlink loop a", symlink("loop_b", "d/loop_a"));
  r("symlink loop b", symlink("loop_a", "d/loop_b"));
  r("open loop", open("d/loop_a", O_RDONLY));
  r("link", link("d/file", "d/hard"));
  r("stat nlink", stat("d/file", &st) == 0 ? (long)st.st_nlink : -1);
  r("rename", rename("d/hard", "d/hard2"));
  r("renameat2 noreplace", syscall(SYS_renameat2, AT_FDCWD, "d/hard2", AT_FDCWD, "d/file", 1));
  r("renameat2 exchange", syscall(SYS_renameat2, AT_FDCWD, "d/link", AT_FDCWD, "d/hard2", 2));
  r("lstat after exchange", lstat("d/hard2", &st) == 0 ? (long)S_ISLNK(st.st_mode) : -1);
  r("unlink", unlink("d/hard2"));
  r("unlink missing", unlink("d/hard2"));
  r("rmdir non-empty", rmdir("d"));
  r("rmdir file", rmdir("d/file"));
  r("unlink dir", unlink("d"));
  r("access R", access("d/file", R_OK));
  r("access missing", access("d/nope", F_OK));
  r("faccessat2 empty", syscall(SYS_faccessat2, AT_FDCWD, "", F_OK, 0));
  r("chmod", chmod("d/file", 0600));
  r("stat mode", stat("d/file", &st) == 0 ? (long)(st.st_mode & 0777) : -1);
  struct timespec ts[2] = {{1000000000, 0}, {1000000000, 500}};
  r("utimensat", utimensat(AT_FDCWD, "d/file", ts, 0));
  r("stat mtime", stat("d/file", &st) == 0 ? (long)st.st_mtim.tv_sec : -1);
  r("truncate", truncate("d/file", 3));
  r("stat size", stat("d/file", &st) == 0 ? (long)st.st_size : -1);
  r("file as dir", open("d/file/x", O_RDONLY));
  r("trailing slash on file", stat("d/file/", &st));
  // dirfd-relative and getdents
  int dfd = open("d", O_RDONLY | O_DIRECTORY);
  r("openat rel", openat(dfd, "file", O_RDONLY) >= 0 ? 0 : -1);
  r("openat .. escapes nothing", openat(dfd, "../d/file", O_RDONLY) >= 0 ? 0 : -1);
  r("fstatat", fstatat(dfd, "file", &st, 0) == 0 ? (long)st.st_size : -1);
  r("fstatat empty path", fstatat(dfd, "", &st, AT_EMPTY_PATH) == 0 ? (long)S_ISDIR(st.st_mode) : -1);
  r("openat2 beneath ..", openat2_(dfd, "../d/file", O_RDONLY, RESOLVE_BENEATH));
  r("openat2 beneath abs", openat2_(dfd, "/etc/passwd", O_RDONLY, RESOLVE_BENEATH));
  r("openat2 beneath ok", openat2_(dfd, "file", O_RDONLY, RESOLVE_BENEATH) >= 0 ? 0 : -1);
  r("openat2 no_symlinks", openat2_(dfd, "link", O_RDONLY, RESOLVE_NO_SYMLINKS));
  r("openat2 in_root ..", openat2_(dfd, "../../../file", O_RDONLY, RESOLVE_IN_ROOT) >= 0 ? 0 : -1);
  r("openat2 no_magiclinks", openat2_(AT_FDCWD, "/proc/self/fd/0", O_RDONLY, RESOLVE_NO_MAGICLINKS));
  r("mkdirat", mkdirat(dfd, "sub", 0700));
  r("unlinkat dir", unlinkat(dfd, "sub", AT_REMOVEDIR));
  DIR* dp = fdopendir(dup(dfd));
  int n = 0;
  struct dirent* de;
  while (dp && (de = readdir(dp))) n++;
  r("readdir entries", n);
  if (dp) closedir(dp);
  r("fchdir", fchdir(dfd));
  char cwd[256];
  r("getcwd", getcwd(cwd, sizeof(cwd)) ? (long)strlen(cwd) - (long)strlen(dir) : -1);
  r("getcwd small", getcwd(cwd, 3) ? 0 : -1);
  r("chdir ..", chdir(".."));
  r("chdir file", chdir("d/file"));
  struct statfs sf;
  r("statfs", statfs(".", &sf) == 0 ? 0 : -1);
  r("statfs proc", statfs("/proc", &sf) == 0 ? (long)(sf.f_type == 0x9fa0) : -1);
  // sendfile / copy_file_range
  int in = open("d/file", O_RDONLY), out = open("d/copy", O_CREAT | O_WRONLY, 0644);
  r("sendfile", sendfile(out, in, NULL, 100));
  r("copy_file_range", copy_file_range(in, &(off_t){0}, out, NULL, 100, 0));
  r("stat copy", stat("d/copy", &st) == 0 ? (long)st.st_size : -1);
  // memfd with seals
  int mfd = memfd_create("x", MFD_ALLOW_SEALING);
  r("memfd write", write(mfd, "abc", 3));
  r("memfd seal", fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE));
  r("memfd write sealed", write(mfd, "abc", 3));
  r("memfd get seals", fcntl(mfd, F_GET_SEALS));
  // devices and procfs
  int z = open("/dev/zero", O_RDONLY);
  r("read /dev/zero", read(z, buf, 8) == 8 && buf[0] == 0 ? 8 : -1);
  int nul = open("/dev/null", O_WRONLY);
  r("write /dev/null", write(nul, "x", 1));
  int full = open("/dev/full", O_WRONLY);
  r("write /dev/full", write(full, "x", 1));
  r("readlink /proc/self/cwd", readlink("/proc/self/cwd", lb, sizeof(lb)) == (long)strlen(dir) ? 0 : -1);
  r("readlink /proc/self/root", readlink("/proc/self/root", lb, sizeof(lb)));
  r("stat /proc/self/fd/z", fstatat(AT_FDCWD, "/dev/fd/3", &st, 0) == 0 ? 0 : -1);
  r("bad fd read", read(999, buf, 1));
  r("bad fd close", close(-1));
  // clean up
  r("chdir /", chdir("/"));
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "%s/d/copy", dir); unlink(cmd);
  snprintf(cmd, sizeof(cmd), "%s/d/file", dir); unlink(cmd);
  snprintf(cmd, sizeof(cmd), "%s/d/loop_a", dir); unlink(cmd);
  snprintf(cmd, sizeof(cmd), "%s/d/loop_b", dir); unlink(cmd);
  snprintf(cmd, sizeof(cmd), "%s/d/link", dir); unlink(cmd);
  snprintf(cmd, sizeof(cmd), "%s/d", dir);
  r("rmdir d", rmdir(cmd));
  r("rmdir tmp", rmdir(dir));
  return 0;
}
