// Status flags of opened regular files and directories as the program sees
// them: under junction the host description of such a file keeps the
// O_NONBLOCK of its open (host_fs.cc), which must never show through
// F_GETFL, /proc/self/fdinfo, a forked child, or a descriptor passed over a
// unix socket to a forked child; and I/O on them stays blocking I/O.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char* what, int fd) {
  int fl = fcntl(fd, F_GETFL);
  printf("%s: getfl acc %d append %d nonblock %d\n", what, fl & O_ACCMODE, !!(fl & O_APPEND),
         !!(fl & O_NONBLOCK));
  char p[64], buf[256];
  snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
  int in = open(p, O_RDONLY);
  ssize_t n = in >= 0 ? read(in, buf, sizeof(buf) - 1) : -1;
  if (in >= 0) close(in);
  if (n > 0) {
    buf[n] = 0;
    char* f = strstr(buf, "flags:");
    if (f) printf("%s: fdinfo nonblock %d\n", what, !!(strtol(f + 6, NULL, 8) & O_NONBLOCK));
  }
}

// Receives one descriptor over `s` and shows it (a forked child).
static void receive_and_show(int s) {
  char byte;
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {&byte, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
  if (recvmsg(s, &m, 0) != 1) {
    printf("recvmsg failed\n");
    return;
  }
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_type != SCM_RIGHTS) {
    printf("no descriptor\n");
    return;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  show("received", fd);
  char buf[8] = {0};
  printf("received read %zd '%s'\n", pread(fd, buf, 5, 0), buf);
}

static ssize_t send_fd(int s, int fd) {
  char byte = 'x';
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {&byte, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(fd));
  return sendmsg(s, &m, 0);
}

int main(void) {
  char path[64];
  snprintf(path, sizeof(path), "/tmp/fs_open_flags.%d", (int)getpid());
  int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  show("wronly", w);
  printf("write %zd\n", write(w, "hello", 5));
  int a = open(path, O_WRONLY | O_APPEND);
  show("append", a);
  close(a);

  int r = open(path, O_RDONLY);
  show("rdonly", r);
  char buf[16] = {0};
  printf("read %zd '%s'\n", read(r, buf, sizeof(buf) - 1), buf);

  // The program's own O_NONBLOCK comes and goes as it says.
  printf("setfl nonblock %d\n", fcntl(r, F_SETFL, O_NONBLOCK));
  show("rdonly+setfl", r);
  printf("setfl 0 %d\n", fcntl(r, F_SETFL, 0));
  show("rdonly-setfl", r);
  int on = 1, off = 0;
  printf("fionbio 1 %d\n", ioctl(r, FIONBIO, &on));
  show("rdonly+fionbio", r);
  printf("fionbio 0 %d\n", ioctl(r, FIONBIO, &off));
  show("rdonly-fionbio", r);

  int nb = open(path, O_RDONLY | O_NONBLOCK);
  show("rdonly|nonblock", nb);
  close(nb);

  int d = open("/tmp", O_RDONLY | O_DIRECTORY);
  show("dir", d);
  close(d);

  // A file the open makes (O_EXCL) and a directory (O_DIRECTORY): under
  // junction the open alone says what they are.
  char made[80];
  snprintf(made, sizeof(made), "%s.excl", path);
  int x = open(made, O_WRONLY | O_CREAT | O_EXCL, 0600);
  show("wronly|creat|excl", x);
  printf("write %zd\n", write(x, "made", 4));
  close(x);
  printf("excl again %d\n", open(made, O_WRONLY | O_CREAT | O_EXCL, 0600));
  unlink(made);
  int d2 = open("/tmp", O_RDONLY | O_DIRECTORY);
  char dbuf[16];
  printf("read of a directory %zd\n", read(d2, dbuf, sizeof(dbuf)));
  close(d2);

  int r2 = open(path, O_RDONLY);
  int dup_fd = dup(r2);
  show("dup", dup_fd);

  // A forked child shares the description; one passed over a unix socket
  // to a forked child is a new descriptor of it there.
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    show("child", r2);
    receive_and_show(sv[1]);
    fflush(stdout);
    _exit(0);
  }
  close(sv[1]);
  int fresh = open(path, O_RDONLY);
  ssize_t sent = send_fd(sv[0], fresh);
  int status;
  waitpid(pid, &status, 0);
  printf("sendmsg %zd\n", sent);
  printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  show("after send", fresh);

  close(fresh);
  close(r2);
  close(dup_fd);
  close(r);
  close(w);
  unlink(path);
  return 0;
}
