// inotify on a host directory: create, write, close, rename and delete
// files in a watched directory and read the events (a blocking read in a
// thread, poll and epoll readiness, IN_NONBLOCK's EAGAIN, IN_ONLYDIR,
// IN_IGNORED after inotify_rm_watch, the errors of bad arguments).
// tmpfs, procfs and mixed watches: fs_inotify_tmpfs.c.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inotify_mask.h"
#include "thread_state.h"

static char dir[64];

static void check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) exit(1);
}

// Prints the events in one buffer; returns how many.
static int print_events(const char* buf, ssize_t n, int wd, uint32_t* cookie) {
  int count = 0;
  for (const char* p = buf; p < buf + n;) {
    const struct inotify_event* e = (const struct inotify_event*)p;
    printf("  event %s %s%s\n", inotify_mask_name(e->mask), e->len ? e->name : "(dir)",
           e->wd == wd ? "" : " (other wd)");
    if (e->mask & IN_MOVED_FROM) *cookie = e->cookie;
    if (e->mask & IN_MOVED_TO) printf("  cookie matches: %s\n", e->cookie == *cookie ? "yes" : "no");
    p += sizeof(*e) + e->len;
    count++;
  }
  return count;
}

static int blocking_fd, blocking_wd;
static volatile pid_t blocking_tid;
static void* blocking_reader(void* arg) {
  (void)arg;
  blocking_tid = (pid_t)syscall(SYS_gettid);
  char buf[4096] __attribute__((aligned(8)));
  ssize_t n = read(blocking_fd, buf, sizeof(buf));
  uint32_t cookie = 0;
  printf("blocking read returned %s\n", n > 0 ? "events" : "nothing");
  if (n > 0) print_events(buf, n, blocking_wd, &cookie);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  strcpy(dir, "/tmp/inotifyXXXXXX");
  if (!mkdtemp(dir)) return 1;
  char a[128], b[128], sub[128];
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  snprintf(sub, sizeof(sub), "%s/sub", dir);

  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  check(fd >= 0, "inotify_init1");
  check((fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_NONBLOCK), "IN_CLOEXEC, IN_NONBLOCK");
  uint32_t mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ATTRIB;
  int wd = inotify_add_watch(fd, dir, mask);
  check(wd >= 0, "watch the directory");
  check(inotify_add_watch(fd, dir, mask) == wd, "the same directory again: the same wd");
  char buf[4096] __attribute__((aligned(8)));
  errno = 0;
  check(read(fd, buf, sizeof(buf)) < 0 && errno == EAGAIN, "no events yet: EAGAIN");
  struct pollfd p = {fd, POLLIN, 0};
  check(poll(&p, 1, 0) == 0, "poll: not readable");

  int f = open(a, O_CREAT | O_WRONLY, 0600);
  check(f >= 0 && write(f, "x", 1) == 1, "create and write a");
  close(f);
  check(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "poll: readable");
  int avail = 0;
  check(ioctl(fd, FIONREAD, &avail) == 0 && avail > 0, "FIONREAD counts the queued bytes");
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  check(epoll_wait(ep, &out, 1, 5000) == 1, "epoll: readable");
  check(rename(a, b) == 0 && chmod(b, 0644) == 0 && unlink(b) == 0, "rename, chmod, unlink");
  check(mkdir(sub, 0700) == 0 && rmdir(sub) == 0, "mkdir and rmdir sub");
  errno = 0;
  check(read(fd, buf, 8) < 0 && errno == EINVAL, "a buffer smaller than an event: EINVAL");
  // Read everything queued (one or more reads: each returns whole events).
  uint32_t cookie = 0;
  int total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) break;
    total += print_events(buf, n, wd, &cookie);
  }
  check(total > 0, "events read");

  // A blocking read in a thread waits for the next event.
  blocking_fd = inotify_init1(IN_CLOEXEC);
  blocking_wd = inotify_add_watch(blocking_fd, dir, IN_CREATE);
  pthread_t t;
  pthread_create(&t, NULL, blocking_reader, NULL);
  while (!blocking_tid) usleep(1000);
  wait_thread_asleep(blocking_tid);  // the event comes while it blocks
  f = open(a, O_CREAT | O_WRONLY, 0600);
  close(f);
  pthread_join(t, NULL);
  unlink(a);

  errno = 0;
  check(inotify_add_watch(fd, "/nonexistent-dir/x", IN_CREATE) < 0 && errno == ENOENT, "missing path: ENOENT");
  f = open(a, O_CREAT | O_WRONLY, 0600);
  close(f);
  errno = 0;
  check(inotify_add_watch(fd, a, IN_CREATE | IN_ONLYDIR) < 0 && errno == ENOTDIR, "IN_ONLYDIR on a file: ENOTDIR");
  unlink(a);
  errno = 0;
  check(inotify_add_watch(fd, dir, 0) < 0 && errno == EINVAL, "empty mask: EINVAL");
  errno = 0;
  check(inotify_add_watch(ep, dir, IN_CREATE) < 0 && errno == EINVAL, "not an inotify descriptor: EINVAL");
  errno = 0;
  check(inotify_add_watch(999, dir, IN_CREATE) < 0 && errno == EBADF, "bad descriptor: EBADF");
  errno = 0;
  check(inotify_add_watch(fd, (const char*)8, IN_CREATE) < 0 && errno == EFAULT, "bad path pointer: EFAULT");
  errno = 0;
  check(inotify_init1(0x1234) < 0 && errno == EINVAL, "inotify_init1 bad flags: EINVAL");

  check(inotify_rm_watch(fd, wd) == 0, "inotify_rm_watch");
  ssize_t n = read(fd, buf, sizeof(buf));
  check(n > 0, "IN_IGNORED after removing the watch");
  print_events(buf, n, wd, &cookie);
  errno = 0;
  check(inotify_rm_watch(fd, wd) < 0 && errno == EINVAL, "removing it again: EINVAL");
  close(ep);
  close(fd);
  close(blocking_fd);
  rmdir(dir);
  return 0;
}
