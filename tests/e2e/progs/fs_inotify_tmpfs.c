// inotify on tmpfs, compared with native Linux. `fs_inotify_tmpfs DIR`
// works in a new directory under DIR (natively the host's tmpfs /dev/shm;
// under junction the app config mounts the LibOS's tmpfs there) and, for
// the watches on both kinds at once, under /tmp (a host directory):
// - the events of creating, writing, reading, truncating, chmod, chown,
//   utimensat, linking, unlinking (open and not), renaming (over another
//   file, RENAME_EXCHANGE, directories), symlinks, mkdir/readdir/rmdir,
//   with their watch descriptors, names, IN_ISDIR and matching cookies;
//   IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED;
// - IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW,
//   IN_EXCL_UNLINK, inotify_rm_watch and the numbering of descriptors;
// - the queue: identical consecutive events merged, IN_Q_OVERFLOW at
//   /proc/sys/fs/inotify/max_queued_events, FIONREAD, EINVAL for a buffer
//   smaller than an event, EAGAIN;
// - readiness: poll, select and epoll, blocking reads and waits in other
//   threads woken by a tmpfs event and by a host event;
// - one descriptor watching a tmpfs and a host directory: one sequence in
//   the order things happened;
// - watches on procfs and sysfs (Linux allows them).
#define _GNU_SOURCE
#include <dirent.h>
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
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inotify_mask.h"
#include "thread_state.h"

static char dir[128], host_dir[128];

static void check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) exit(1);
}

// Prints the events in buf[0..n): wd, mask, name, and whether each
// IN_MOVED_TO has the cookie of the IN_MOVED_FROM before it.
static uint32_t last_cookie;
static int print_events(const char* buf, ssize_t n) {
  int count = 0;
  for (const char* p = buf; p < buf + n; count++) {
    const struct inotify_event* e = (const struct inotify_event*)p;
    printf("  %d %s %s", e->wd, inotify_mask_name(e->mask), e->len ? e->name : "-");
    if (e->mask & IN_MOVED_FROM) last_cookie = e->cookie;
    if (e->mask & IN_MOVED_TO) printf(" (cookie %s)", e->cookie && e->cookie == last_cookie ? "pairs" : "DIFFERS");
    if (!(e->mask & (IN_MOVED_FROM | IN_MOVED_TO)) && e->cookie) printf(" (cookie set)");
    printf("\n");
    p += sizeof(*e) + e->len;
  }
  return count;
}

// Reads and prints everything queued on non-blocking descriptor `fd`.
static void drain(int fd, const char* what) {
  char buf[8192] __attribute__((aligned(8)));
  printf("%s:\n", what);
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) print_events(buf, n);
  if (errno != EAGAIN) printf("  read: %s\n", strerror(errno));
}

static void path(char* out, size_t size, const char* base, const char* name) {
  snprintf(out, size, "%s/%s", base, name);
}

static void touch(const char* p) { close(open(p, O_CREAT | O_WRONLY, 0600)); }

static void events(void) {
  char f[256], g[256], sub[256], sub2[256], sym[256];
  path(f, sizeof(f), dir, "f");
  path(g, sizeof(g), dir, "g");
  path(sub, sizeof(sub), dir, "sub");
  path(sub2, sizeof(sub2), dir, "sub2");
  path(sym, sizeof(sym), dir, "link");
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  int wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
  printf("watch dir: %d\n", wd);
  int x = open(f, O_CREAT | O_RDWR, 0600);
  drain(fd, "create");
  printf("watch f: %d\n", inotify_add_watch(fd, f, IN_ALL_EVENTS));
  char c[4];
  write(x, "abc", 3);
  pread(x, c, 3, 0);
  pread(x, c, 3, 100);  // nothing read: no event
  write(x, "", 0);      // nothing written: no event
  drain(fd, "write, pread");
  ftruncate(x, 1);
  fchmod(x, 0644);
  close(x);
  drain(fd, "ftruncate, fchmod, close");
  close(open(f, O_RDONLY));
  close(open(f, O_WRONLY | O_TRUNC));
  close(open(f, O_PATH));
  drain(fd, "open read-only, O_TRUNC, O_PATH");
  struct timespec both[2] = {{1, 0}, {2, 0}}, atime[2] = {{1, 0}, {0, UTIME_OMIT}},
                  mtime[2] = {{0, UTIME_OMIT}, {3, 0}};
  utimensat(AT_FDCWD, f, both, 0);
  utimensat(AT_FDCWD, f, atime, 0);
  utimensat(AT_FDCWD, f, mtime, 0);
  truncate(f, 0);
  chown(f, getuid(), -1);
  chown(f, -1, -1);
  drain(fd, "utimensat both, atime, mtime; truncate; chown; chown nothing");
  link(f, g);
  unlink(g);
  rename(f, g);
  drain(fd, "link, unlink it, rename");
  x = open(g, O_RDONLY);
  unlink(g);
  drain(fd, "unlink while open");
  close(x);
  drain(fd, "close it");
  mkdir(sub, 0700);
  printf("watch sub: %d\n", inotify_add_watch(fd, sub, IN_ALL_EVENTS));
  DIR* d = opendir(sub);
  while (readdir(d)) {
  }
  closedir(d);
  drain(fd, "mkdir, readdir");
  rename(sub, sub2);
  rmdir(sub2);
  drain(fd, "rename directory, rmdir");
  touch(f);
  touch(g);
  drain(fd, "two files");
  printf("watch f: %d\n", inotify_add_watch(fd, f, IN_ALL_EVENTS));
  printf("watch g: %d\n", inotify_add_watch(fd, g, IN_ALL_EVENTS));
  rename(f, g);
  drain(fd, "rename over a watched file");
  rename(g, g);
  touch(f);
  renameat2(AT_FDCWD, f, AT_FDCWD, g, RENAME_EXCHANGE);
  drain(fd, "rename to itself, RENAME_EXCHANGE");
  symlink("g", sym);
  printf("watch link IN_DONT_FOLLOW: %d\n", inotify_add_watch(fd, sym, IN_ALL_EVENTS | IN_DONT_FOLLOW));
  printf("watch link followed: %d\n", inotify_add_watch(fd, sym, IN_ALL_EVENTS));
  unlink(sym);
  drain(fd, "symlink, unlink it");
  close(open(dir, O_RDONLY | O_DIRECTORY));
  drain(fd, "open the directory");
  unlink(f);
  unlink(g);
  drain(fd, "unlink both");
  close(fd);
}

static void flags(void) {
  char f[256];
  path(f, sizeof(f), dir, "f");
  touch(f);
  int fd = inotify_init1(IN_NONBLOCK);
  int wd = inotify_add_watch(fd, dir, IN_OPEN | IN_CLOSE);
  printf("IN_ONESHOT wd: %d\n", inotify_add_watch(fd, f, IN_OPEN | IN_ONESHOT));
  close(open(f, O_RDONLY));
  close(open(f, O_RDONLY));
  drain(fd, "two opens");
  int w1 = inotify_add_watch(fd, f, IN_OPEN);
  int w2 = inotify_add_watch(fd, f, IN_CLOSE | IN_MASK_ADD);
  printf("IN_MASK_ADD: the same wd: %s\n", w1 == w2 ? "yes" : "no");
  close(open(f, O_RDONLY));
  drain(fd, "open and close");
  printf("replaced: %d\n", inotify_add_watch(fd, f, IN_ATTRIB));
  close(open(f, O_RDONLY));
  chmod(f, 0600);
  drain(fd, "open, close, chmod");
  errno = 0;
  check(inotify_add_watch(fd, f, IN_ATTRIB | IN_MASK_CREATE) < 0 && errno == EEXIST, "IN_MASK_CREATE on a watched file: EEXIST");
  errno = 0;
  check(inotify_add_watch(fd, f, IN_ATTRIB | IN_MASK_CREATE | IN_MASK_ADD) < 0 && errno == EINVAL,
        "IN_MASK_CREATE with IN_MASK_ADD: EINVAL");
  errno = 0;
  check(inotify_add_watch(fd, f, IN_ATTRIB | IN_ONLYDIR) < 0 && errno == ENOTDIR, "IN_ONLYDIR on a file: ENOTDIR");
  check(inotify_add_watch(fd, dir, IN_OPEN | IN_ONLYDIR) == wd, "IN_ONLYDIR on the directory: its wd");
  check(inotify_rm_watch(fd, w1) == 0, "inotify_rm_watch");
  errno = 0;
  check(inotify_rm_watch(fd, w1) < 0 && errno == EINVAL, "again: EINVAL");
  drain(fd, "after inotify_rm_watch");
  printf("the next wd: %d\n", inotify_add_watch(fd, f, IN_ATTRIB));
  // IN_EXCL_UNLINK: no events through a file whose name is gone.
  int ex = inotify_init1(IN_NONBLOCK);
  inotify_add_watch(ex, dir, IN_ALL_EVENTS | IN_EXCL_UNLINK);
  int x = open(f, O_RDWR);
  unlink(f);
  write(x, "a", 1);
  close(x);
  drain(ex, "IN_EXCL_UNLINK: open, unlink, write, close");
  drain(fd, "the same without it");
  close(ex);
  close(fd);
}

static void queue(void) {
  char f[256];
  path(f, sizeof(f), dir, "q");
  int x = open(f, O_CREAT | O_RDWR, 0600);
  int fd = inotify_init1(IN_NONBLOCK);
  inotify_add_watch(fd, f, IN_MODIFY);
  for (int i = 0; i < 3; i++) write(x, "a", 1);
  drain(fd, "three writes, the file watched: merged");
  inotify_rm_watch(fd, 1);
  inotify_add_watch(fd, dir, IN_MODIFY | IN_ACCESS);
  for (int i = 0; i < 3; i++) write(x, "a", 1);
  char c;
  pread(x, &c, 1, 0);
  write(x, "a", 1);
  drain(fd, "the directory watched: three writes, a read, a write");
  close(x);
  close(fd);

  int max = 0;
  FILE* mq = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
  check(mq && fscanf(mq, "%d", &max) == 1 && max > 0, "max_queued_events readable");
  fclose(mq);
  fd = inotify_init1(IN_NONBLOCK);
  inotify_add_watch(fd, dir, IN_OPEN | IN_CLOSE);
  for (int i = 0; i < max / 2 + 5; i++) close(open(f, O_RDONLY));
  int avail = 0;
  check(ioctl(fd, FIONREAD, &avail) == 0, "FIONREAD");
  printf("queued bytes: %s\n", avail == max * 32 + 16 ? "max_queued_events events and IN_Q_OVERFLOW" : "WRONG");
  char small[8];
  errno = 0;
  check(read(fd, small, sizeof(small)) < 0 && errno == EINVAL, "a buffer smaller than an event: EINVAL");
  static char buf[65536] __attribute__((aligned(8)));
  int count = 0, overflows = 0, last_wd = 0;
  uint32_t last = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    for (char* p = buf; p < buf + n;) {
      struct inotify_event* e = (struct inotify_event*)p;
      count++;
      if (e->mask & IN_Q_OVERFLOW) overflows++;
      last = e->mask;
      last_wd = e->wd;
      p += sizeof(*e) + e->len;
    }
  }
  printf("events: max_queued_events%+d, overflows %d, the last %s wd %d\n", count - max, overflows,
         inotify_mask_name(last), last_wd);
  errno = 0;
  check(read(fd, buf, sizeof(buf)) < 0 && errno == EAGAIN, "empty: EAGAIN");
  check(ioctl(fd, FIONREAD, &avail) == 0 && avail == 0, "FIONREAD 0");
  close(open(f, O_RDONLY));
  drain(fd, "after the overflow");
  unlink(f);
  close(fd);
}

// A thread that waits in read (or epoll_wait, or poll) on `fd`.
struct waiter {
  int fd, how;  // 0 read, 1 epoll_wait, 2 poll
  volatile pid_t tid;
  char out[512];
};

static void* wait_thread(void* arg) {
  struct waiter* w = arg;
  char buf[4096] __attribute__((aligned(8)));
  int ep = -1;
  if (w->how == 1) {
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev);
  }
  w->tid = (pid_t)syscall(SYS_gettid);
  if (w->how == 1) {
    struct epoll_event out;
    int r = epoll_wait(ep, &out, 1, -1);
    snprintf(w->out, sizeof(w->out), "epoll_wait returned %d", r);
    close(ep);
    return NULL;
  }
  if (w->how == 2) {
    struct pollfd p = {w->fd, POLLIN, 0};
    int r = poll(&p, 1, -1);
    snprintf(w->out, sizeof(w->out), "poll returned %d, POLLIN %s", r, (p.revents & POLLIN) ? "set" : "clear");
    return NULL;
  }
  ssize_t n = read(w->fd, buf, sizeof(buf));
  const struct inotify_event* e = (const struct inotify_event*)buf;
  snprintf(w->out, sizeof(w->out), "read returned an event: %s %.200s", n > 0 ? inotify_mask_name(e->mask) : "none",
           n > 0 && e->len ? e->name : "-");
  return NULL;
}

// Starts a waiter and returns once it sleeps in its call.
static void start_waiter(pthread_t* t, struct waiter* w) {
  w->tid = 0;
  pthread_create(t, NULL, wait_thread, w);
  for (int i = 0; i < 20000 && (!w->tid || thread_state(w->tid) != 'S'); i++) usleep(500);
}

static void readiness(void) {
  char f[256], f2[256], hf[256];
  path(f, sizeof(f), dir, "r");
  path(f2, sizeof(f2), dir, "r2");
  path(hf, sizeof(hf), host_dir, "r");
  int fd = inotify_init1(IN_NONBLOCK);
  inotify_add_watch(fd, dir, IN_CREATE);
  struct pollfd p = {fd, POLLIN, 0};
  check(poll(&p, 1, 0) == 0, "poll: not readable");
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  check(epoll_wait(ep, &out, 1, 0) == 0, "epoll: not readable");
  touch(f);
  check(poll(&p, 1, 0) == 1 && p.revents == POLLIN, "poll: readable");
  fd_set set;
  FD_ZERO(&set);
  FD_SET(fd, &set);
  struct timeval zero = {0, 0};
  check(select(fd + 1, &set, NULL, NULL, &zero) == 1 && FD_ISSET(fd, &set), "select: readable");
  // (A timeout: under junction a host change reaches epoll through the
  // scheduler's next look at the reactor.)
  check(epoll_wait(ep, &out, 1, 5000) == 1, "epoll (edge-triggered): readable");
  check(epoll_wait(ep, &out, 1, 0) == 0, "epoll (edge-triggered): not again");
  drain(fd, "queued");
  touch(f2);
  check(epoll_wait(ep, &out, 1, 5000) == 1, "epoll (edge-triggered): a new event after reading");
  inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE);
  unlink(f2);
  unlink(f);
  drain(fd, "unlink both (watched since)");
  close(ep);
  close(fd);

  // Blocking calls in another thread, woken by a tmpfs event and by a
  // host event on an instance that also watches tmpfs.
  int bfd = inotify_init1(0);
  inotify_add_watch(bfd, dir, IN_CREATE);
  inotify_add_watch(bfd, host_dir, IN_CREATE);
  pthread_t t;
  struct waiter w = {bfd, 0, 0, ""};
  start_waiter(&t, &w);
  touch(f);
  pthread_join(t, NULL);
  printf("blocked read, tmpfs file created: %s\n", w.out);
  start_waiter(&t, &w);
  touch(hf);
  pthread_join(t, NULL);
  printf("blocked read, host file created: %s\n", w.out);
  unlink(f);
  unlink(hf);
  struct waiter e = {bfd, 1, 0, ""};
  start_waiter(&t, &e);
  touch(hf);
  pthread_join(t, NULL);
  printf("epoll_wait in a thread, host file created: %s\n", e.out);
  char buf[4096] __attribute__((aligned(8)));
  printf("read: %s\n", read(bfd, buf, sizeof(buf)) > 0 ? inotify_mask_name(((struct inotify_event*)buf)->mask) : "nothing");
  struct waiter pw = {bfd, 2, 0, ""};
  start_waiter(&t, &pw);
  touch(f);
  pthread_join(t, NULL);
  printf("poll in a thread, tmpfs file created: %s\n", pw.out);
  printf("read: %s\n", read(bfd, buf, sizeof(buf)) > 0 ? inotify_mask_name(((struct inotify_event*)buf)->mask) : "nothing");
  unlink(f);
  unlink(hf);
  close(bfd);
}

// One descriptor, a tmpfs and a host directory: the events of both in
// the order they happened.
static void mixed(void) {
  char f[256], hf[256];
  path(f, sizeof(f), dir, "m");
  path(hf, sizeof(hf), host_dir, "m");
  int fd = inotify_init1(IN_NONBLOCK);
  int wt = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
  int wh = inotify_add_watch(fd, host_dir, IN_ALL_EVENTS);
  printf("tmpfs wd %d, host wd %d\n", wt, wh);
  int a = open(f, O_CREAT | O_WRONLY, 0600);
  int b = open(hf, O_CREAT | O_WRONLY, 0600);
  write(b, "x", 1);
  write(a, "x", 1);
  write(b, "x", 1);
  close(a);
  close(b);
  char f2[256], hf2[256];
  path(f2, sizeof(f2), dir, "m2");
  path(hf2, sizeof(hf2), host_dir, "m2");
  rename(hf, hf2);
  rename(f, f2);
  unlink(hf2);
  unlink(f2);
  drain(fd, "interleaved");
  printf("the host directory again: %d\n", inotify_add_watch(fd, host_dir, IN_CREATE));
  check(inotify_rm_watch(fd, wt) == 0 && inotify_rm_watch(fd, wh) == 0, "inotify_rm_watch of both");
  drain(fd, "after removing both");
  printf("the next wd: %d\n", inotify_add_watch(fd, dir, IN_CREATE));
  close(fd);
}

static void other_file_systems(void) {
  int fd = inotify_init1(IN_NONBLOCK);
  int w = inotify_add_watch(fd, "/proc/self", IN_ALL_EVENTS);
  printf("procfs: %d\n", w);
  printf("procfs again: %d\n", inotify_add_watch(fd, "/proc/self", IN_ALL_EVENTS));
  printf("sysfs: %d\n", inotify_add_watch(fd, "/sys/devices/system/cpu/online", IN_MODIFY));
  check(inotify_rm_watch(fd, w) == 0, "inotify_rm_watch on procfs");
  drain(fd, "after removing it");
  close(fd);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  snprintf(dir, sizeof(dir), "%s/inotify-tmpfs-XXXXXX", argc > 1 ? argv[1] : "/dev/shm");
  strcpy(host_dir, "/tmp/inotify-host-XXXXXX");
  if (!mkdtemp(dir) || !mkdtemp(host_dir)) return 1;
  events();
  flags();
  queue();
  readiness();
  mixed();
  other_file_systems();
  int fd = inotify_init1(IN_NONBLOCK);
  inotify_add_watch(fd, dir, IN_DELETE_SELF);
  rmdir(dir);
  rmdir(host_dir);
  drain(fd, "rmdir the watched directory");
  return 0;
}
