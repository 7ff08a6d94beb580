// F_GETLK names the holder of a conflicting record lock by its pid as the
// caller sees it: the parent's pid from a child, the child's from the
// parent, -1 for an OFD lock (flock(1), sqlite and lockfile tools print it).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct flock Probe(int fd, int cmd, off_t start, off_t len) {
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  if (fcntl(fd, cmd, &l) != 0) perror("getlk");
  return l;
}

static void Show(const char* who, struct flock l, pid_t expect) {
  printf("%s: type %s start %ld len %ld pid %s\n", who,
         l.l_type == F_UNLCK ? "unlocked" : l.l_type == F_WRLCK ? "write" : "read",
         (long)l.l_start, (long)l.l_len,
         l.l_pid == expect ? "as expected" : l.l_pid == -1 ? "-1" : "WRONG");
}

int main(void) {
  char path[] = "/tmp/getlk-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  unlink(path);
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
  if (fcntl(fd, F_SETLK, &l) != 0) return 1;
  pid_t parent = getpid();
  int go[2], done[2];
  if (pipe(go) || pipe(done)) return 1;
  pid_t child = fork();
  if (child == 0) {
    Show("child sees parent's lock", Probe(fd, F_GETLK, 0, 5), parent);
    Show("child, OFD query of it", Probe(fd, F_OFD_GETLK, 0, 5), parent);
    Show("child, free range", Probe(fd, F_GETLK, 20, 5), 0);
    fflush(stdout);
    // A lock of its own for the parent to see, beyond the parent's range.
    struct flock m = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 30, .l_len = 5};
    if (fcntl(fd, F_SETLK, &m) != 0) perror("child setlk");
    if (write(done[1], "x", 1) != 1) return 1;
    char c;
    if (read(go[0], &c, 1) != 1) return 1;
    _exit(0);
  }
  char c;
  if (read(done[0], &c, 1) != 1) return 1;
  Show("parent sees child's read lock", Probe(fd, F_GETLK, 30, 1), child);
  Show("parent, its own range", Probe(fd, F_GETLK, 0, 5), 0);
  // An OFD lock, queried from the child's side of a fork: pid -1.
  char self[64];
  snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
  int ofd = open(self, O_RDWR);  // a second open file description
  struct flock o = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 5};
  if (ofd < 0 || fcntl(ofd, F_OFD_SETLK, &o) != 0) perror("ofd setlk");
  Show("parent, OFD lock via another description", Probe(fd, F_OFD_GETLK, 50, 1), -1);
  fflush(stdout);
  if (write(go[1], "x", 1) != 1) return 1;
  int st;
  waitpid(child, &st, 0);
  return 0;
}
