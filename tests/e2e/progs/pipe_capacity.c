// How much a pipe takes before a non-blocking write returns EAGAIN,
// compared with Linux, which counts a pipe's capacity in page slots (16
// by default, F_SETPIPE_SZ's size / 4096): a write's first len % 4096
// bytes merge into the last slot's page if they fit there, the rest takes
// a slot per page; O_DIRECT writes take a slot each. Also POLLOUT (a free
// slot), a partly read slot that still counts, F_SETPIPE_SZ's EBUSY by
// slots, and tee(2) into a pipe with few slots free.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static char big[1 << 17];

static void make(int p[2], int flags) {
  if (pipe2(p, O_NONBLOCK | flags)) {
    perror("pipe2");
    exit(1);
  }
}

static int queued(int rd) {
  int n = -1;
  ioctl(rd, FIONREAD, &n);
  return n;
}

static void W(int fd, int len) {
  long r = write(fd, big, len);
  printf("  write %d: %ld%s\n", len, r, r < 0 ? (errno == EAGAIN ? " EAGAIN" : " other") : "");
}

static void R(int fd, int len) {
  static char buf[8192];
  printf("  read %d: %ld\n", len, (long)read(fd, buf, len));
}

static int writable(int wr) {
  struct pollfd pf = {wr, POLLOUT, 0};
  return poll(&pf, 1, 0) == 1 && (pf.revents & POLLOUT);
}

// Writes of the sizes in `sizes` (cycled) until one returns EAGAIN or a
// short count; prints how many writes and bytes went in and the last
// result.
static void fill(const char* label, const int* sizes, int nsizes, int flags) {
  int p[2];
  make(p, flags);
  long writes = 0, bytes = 0, r = 0;
  for (int i = 0;; i++) {
    int len = sizes[i % nsizes];
    r = write(p[1], big, len);
    if (r < 0) break;
    writes++;
    bytes += r;
    if (r < len) break;
  }
  printf("%s: %ld writes, %ld bytes, last %ld%s, FIONREAD %d, POLLOUT %d\n", label, writes, bytes, r,
         r < 0 ? (errno == EAGAIN ? " EAGAIN" : " other") : "", queued(p[0]), writable(p[1]));
  close(p[0]);
  close(p[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  memset(big, 'x', sizeof(big));
  static const int one[] = {1}, page[] = {4096}, page1[] = {4097}, half[] = {2048}, odd[] = {3000};
  static const int mixed[] = {1, 4095, 100, 4097, 8192, 3000, 10, 5000};
  static const int small_big[] = {100, 4096};
  fill("1-byte writes", one, 1, 0);
  fill("4096-byte writes", page, 1, 0);
  fill("4097-byte writes", page1, 1, 0);
  fill("2048-byte writes", half, 1, 0);
  fill("3000-byte writes", odd, 1, 0);
  fill("mixed writes", mixed, 8, 0);
  fill("100 then 4096, alternating", small_big, 2, 0);
  fill("O_DIRECT 1-byte packets", one, 1, O_DIRECT);
  fill("O_DIRECT 4097-byte writes", page1, 1, O_DIRECT);

  int p[2];
  char buf[8192];
  make(p, 0);
  printf("F_SETPIPE_SZ 4096: %d\n", fcntl(p[1], F_SETPIPE_SZ, 4096));
  W(p[1], 1);
  W(p[1], 4095);
  W(p[1], 1);
  R(p[0], 1);
  W(p[1], 1);  // the slot still holds 4095 bytes, and no merge past its page
  R(p[0], 4095);
  W(p[1], 4096);
  close(p[0]);
  close(p[1]);

  make(p, 0);
  printf("F_SETPIPE_SZ 8192: %d\n", fcntl(p[1], F_SETPIPE_SZ, 8192));
  W(p[1], 10);
  W(p[1], 4096);
  W(p[1], 10);
  W(p[1], 1);
  printf("  POLLOUT %d, FIONREAD %d\n", writable(p[1]), queued(p[0]));
  close(p[0]);
  close(p[1]);

  // A full default pipe with its first slot partly read: still full.
  make(p, 0);
  for (int i = 0; i < 16; i++) write(p[1], big, 4096);
  R(p[0], 1);
  printf("  POLLOUT %d\n", writable(p[1]));
  W(p[1], 1);
  R(p[0], 4095);
  printf("  POLLOUT %d\n", writable(p[1]));
  W(p[1], 4097);
  W(p[1], 1);
  close(p[0]);
  close(p[1]);

  // F_SETPIPE_SZ below the slots in use: EBUSY although the bytes fit.
  make(p, 0);
  W(p[1], 4096);
  W(p[1], 1);
  R(p[0], 4095);
  int sz = fcntl(p[1], F_SETPIPE_SZ, 4096);
  printf("  F_SETPIPE_SZ 4096 with 2 slots, 2 bytes: %d %s\n", sz, sz < 0 ? strerror(errno) : "ok");
  R(p[0], 1);
  printf("  F_SETPIPE_SZ 4096 with 1 slot: %d\n", fcntl(p[1], F_SETPIPE_SZ, 4096));
  close(p[0]);
  close(p[1]);

  // tee(2) into a pipe with two slots free takes two of the source's units.
  int src[2], dst[2];
  make(src, 0);
  make(dst, 0);
  for (int i = 0; i < 4; i++) write(src[1], big, 100 + i);  // one unit (merged)
  for (int i = 0; i < 3; i++) write(src[1], big, 4096);
  for (int i = 0; i < 14; i++) write(dst[1], big, 4096);
  long t = tee(src[0], dst[1], 1 << 16, SPLICE_F_NONBLOCK);
  printf("tee into 2 free slots: %ld, FIONREAD %d\n", t, queued(dst[0]));
  return 0;
}
