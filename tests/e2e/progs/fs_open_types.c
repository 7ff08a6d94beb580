// open(2) of each file type a host mount can hold, as the program sees the
// result: a regular file, a directory opened without O_DIRECTORY, FIFOs
// (O_RDONLY|O_NONBLOCK, O_RDWR, O_WRONLY with a reader there), a unix
// socket file (ENXIO), character devices (null, zero, a terminal) and a
// block device. Under junction the open tells these apart from the host
// descriptor itself (host_fs.cc): none but a regular file, directory or
// block device (whose I/O ignores it) may keep a host O_NONBLOCK it did not
// ask for, F_GETFL shows the guest's flags, and I/O on each behaves as
// natively. The devices are the host's /dev bind-mounted at
// /hostdev (fs_open_types.toml); natively /hostdev is absent and /dev is
// used, so both runs print the same.
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

static const char* type_of(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return "fstat failed";
  switch (st.st_mode & S_IFMT) {
    case S_IFREG: return "regular";
    case S_IFDIR: return "directory";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "char device";
    case S_IFBLK: return "block device";
    case S_IFSOCK: return "socket";
    default: return "other";
  }
}

// Opens `path` with `flags` and prints what the program can see of it.
static int show_open(const char* what, const char* path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) {
    printf("%s: open errno %s\n", what, strerrorname_np(errno));
    return -1;
  }
  int fl = fcntl(fd, F_GETFL);
  printf("%s: %s, acc %d nonblock %d\n", what, type_of(fd), fl & O_ACCMODE, !!(fl & O_NONBLOCK));
  return fd;
}

int main(void) {
  char dir[64], file[96], fifo[96], sock[96];
  snprintf(dir, sizeof(dir), "/tmp/fs_open_types.%d", (int)getpid());
  snprintf(file, sizeof(file), "%s/file", dir);
  snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
  snprintf(sock, sizeof(sock), "%s/sock", dir);
  if (mkdir(dir, 0700) != 0) return 1;
  int w = open(file, O_WRONLY | O_CREAT, 0600);
  if (w < 0 || write(w, "hello", 5) != 5) return 1;
  close(w);

  int fd = show_open("regular", file, O_RDONLY);
  char buf[16] = {0};
  printf("regular: read %zd '%s'\n", read(fd, buf, sizeof(buf) - 1), buf);
  close(fd);

  fd = show_open("directory", dir, O_RDONLY);
  int r = (int)read(fd, buf, sizeof(buf));
  printf("directory: read %d errno %s\n", r, strerrorname_np(errno));
  printf("directory: fchdir %d\n", fchdir(fd));
  close(fd);
  r = open(dir, O_WRONLY);
  printf("directory for writing: %d errno %s\n", r, strerrorname_np(errno));

  // FIFOs: opens that never wait (fs_fifo_open covers the waiting ones).
  if (mkfifo(fifo, 0600) != 0) return 1;
  int rd = show_open("fifo rdonly|nonblock", fifo, O_RDONLY | O_NONBLOCK);
  printf("fifo rdonly|nonblock: read without a writer %zd\n", read(rd, buf, sizeof(buf)));
  int wr = show_open("fifo wronly, a reader there", fifo, O_WRONLY);
  printf("fifo: write %zd\n", write(wr, "abc", 3));
  memset(buf, 0, sizeof(buf));
  printf("fifo: read %zd '%s'\n", read(rd, buf, sizeof(buf) - 1), buf);
  close(wr);
  close(rd);
  int rw = show_open("fifo rdwr", fifo, O_RDWR);
  close(rw);
  r = open(fifo, O_WRONLY | O_NONBLOCK);
  printf("fifo wronly|nonblock without a reader: %d errno %s\n", r, strerrorname_np(errno));

  // A unix socket file cannot be opened.
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
  if (s < 0 || bind(s, (struct sockaddr*)&sa, sizeof(sa)) != 0) return 1;
  show_open("socket file", sock, O_RDONLY);
  close(s);

  // Character devices of a host mount.
  const char* devdir = access("/hostdev", F_OK) == 0 ? "/hostdev" : "/dev";
  char null_path[32], zero_path[32];
  snprintf(null_path, sizeof(null_path), "%s/null", devdir);
  snprintf(zero_path, sizeof(zero_path), "%s/zero", devdir);
  fd = show_open("null rdonly", null_path, O_RDONLY);
  printf("null: read %zd\n", read(fd, buf, sizeof(buf)));
  close(fd);
  fd = show_open("null wronly", null_path, O_WRONLY);
  printf("null: write %zd\n", write(fd, "abc", 3));
  close(fd);
  fd = show_open("zero rdonly", zero_path, O_RDONLY);
  memset(buf, 1, sizeof(buf));
  printf("zero: read %zd, byte %d\n", read(fd, buf, sizeof(buf)), buf[3]);
  close(fd);
  fd = show_open("zero rdonly|nonblock", zero_path, O_RDONLY | O_NONBLOCK);
  close(fd);

  // A block device of a host mount (an unbound loop device reads as
  // empty): the open's type check groups it with regular files, whose I/O
  // ignores O_NONBLOCK, so under junction the host descriptor may keep it;
  // F_GETFL still shows what was asked. Without the rights (not root) both
  // runs print the same errno.
  char blk_path[32];
  snprintf(blk_path, sizeof(blk_path), "%s/loop0", devdir);
  for (int round = 0; round < 2; round++) {
    fd = show_open("block rdonly", blk_path, O_RDONLY);
    if (fd >= 0) {
      printf("block: read %s\n", read(fd, buf, sizeof(buf)) >= 0 ? "ok" : strerrorname_np(errno));
      close(fd);
    }
    fd = show_open("block rdonly|nonblock", blk_path, O_RDONLY | O_NONBLOCK);
    if (fd >= 0) close(fd);
  }

  // A terminal opened for reading only: its reads block (here until a
  // signal, EINTR), never EAGAIN from an O_NONBLOCK left behind.
  char ptmx_path[32], pts_path[64];
  snprintf(ptmx_path, sizeof(ptmx_path), "%s/ptmx", devdir);
  int m = open(ptmx_path, O_RDWR | O_NOCTTY);
  int n;
  if (m >= 0 && ioctl(m, TIOCGPTN, &n) == 0 && unlockpt(m) == 0) {
    snprintf(pts_path, sizeof(pts_path), "%s/pts/%d", devdir, n);
    fd = show_open("terminal rdonly", pts_path, O_RDONLY | O_NOCTTY);
    struct sigaction sa_alrm = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa_alrm, NULL);
    struct itimerval it = {.it_value = {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    r = (int)read(fd, buf, sizeof(buf));
    printf("terminal: read %d errno %s\n", r, strerrorname_np(errno));
    close(fd);
  } else {
    printf("no pseudo-terminal: %s\n", strerrorname_np(errno));
  }
  if (m >= 0) close(m);

  // Under junction a closed description of a regular file or directory
  // serves a later open (FdTable::LazyInsertHostFile): each must still show
  // its own path, file, offset, flags and close-on-exec bit.
  char longer[160];
  snprintf(longer, sizeof(longer), "%s/a-much-longer-name-than-the-others-have", dir);
  w = open(longer, O_WRONLY | O_CREAT, 0600);
  if (w < 0 || write(w, "longer", 6) != 6) return 1;
  close(w);
  const char* reopen[] = {file, dir, longer, file, dir, file};
  for (int round = 0; round < 2; round++) {
    for (size_t i = 0; i < sizeof(reopen) / sizeof(reopen[0]); i++) {
      int cloexec = (int)(i + round) % 2 ? O_CLOEXEC : 0;
      fd = open(reopen[i], O_RDONLY | cloexec);
      char link[64], shown[256] = {0};
      snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
      ssize_t n = readlink(link, shown, sizeof(shown) - 1);
      struct stat by_fd, by_name;
      int same = fstat(fd, &by_fd) == 0 && stat(reopen[i], &by_name) == 0 && by_fd.st_ino == by_name.st_ino;
      memset(buf, 0, sizeof(buf));
      ssize_t got = S_ISDIR(by_fd.st_mode) ? -2 : read(fd, buf, sizeof(buf) - 1);
      printf("reopen %d.%zu: path %s, same file %d, cloexec %d, nonblock %d, read %zd '%s'\n", round, i,
             n > 0 && strcmp(shown, reopen[i]) == 0 ? "ok" : "WRONG", same, !!(fcntl(fd, F_GETFD) & FD_CLOEXEC),
             !!(fcntl(fd, F_GETFL) & O_NONBLOCK), got, buf);
      close(fd);
    }
  }
  // The same by names relative to the working directory.
  if (chdir(dir) != 0) return 1;
  const char* relative[] = {"file", ".", "a-much-longer-name-than-the-others-have", "file"};
  const char* shown_as[] = {file, dir, longer, file};
  for (size_t i = 0; i < sizeof(relative) / sizeof(relative[0]); i++) {
    fd = open(relative[i], O_RDONLY | O_CLOEXEC);
    char link[64], shown[256] = {0};
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, shown, sizeof(shown) - 1);
    memset(buf, 0, sizeof(buf));
    struct stat by_fd;
    ssize_t got = fstat(fd, &by_fd) == 0 && S_ISDIR(by_fd.st_mode) ? -2 : read(fd, buf, sizeof(buf) - 1);
    printf("relative open %zu: path %s, read %zd '%s'\n", i, n > 0 && strcmp(shown, shown_as[i]) == 0 ? "ok" : "WRONG",
           got, buf);
    close(fd);
  }
  if (chdir("/") != 0) return 1;
  unlink(longer);

  // At the descriptor limit an open fails at once, opening nothing: not
  // even a FIFO's reader waits (it would wait here for ever).
  int spare = dup(0);  // the lowest free number, taken: the limit goes just above it
  struct rlimit old_lim, lim;
  getrlimit(RLIMIT_NOFILE, &old_lim);
  lim = old_lim;
  lim.rlim_cur = (rlim_t)spare + 1;
  if (spare < 0 || setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
  for (int round = 0; round < 2; round++) {
    r = open(file, O_RDONLY);
    printf("at the limit, regular file: %d errno %s\n", r, strerrorname_np(errno));
    r = open(fifo, O_RDONLY);
    printf("at the limit, fifo: %d errno %s\n", r, strerrorname_np(errno));
  }
  setrlimit(RLIMIT_NOFILE, &old_lim);
  close(spare);

  unlink(sock);
  unlink(fifo);
  unlink(file);
  rmdir(dir);
  return 0;
}
