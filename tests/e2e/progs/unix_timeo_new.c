// SO_RCVTIMEO_NEW and SO_SNDTIMEO_NEW (struct __kernel_sock_timeval, what
// glibc uses with a 64-bit time_t on 32-bit targets) on unix sockets: set,
// read back through both option names, and bounding a recv (EAGAIN). The
// LibOS answered ENOPROTOOPT.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif

struct sock_timeval64 {
  int64_t tv_sec, tv_usec;
};

int main(void) {
  int types[] = {SOCK_STREAM, SOCK_DGRAM};
  for (int i = 0; i < 2; i++) {
    int sv[2];
    socketpair(AF_UNIX, types[i], 0, sv);
    printf("type %d\n", types[i]);
    struct sock_timeval64 tv = {0, 120000}, got = {0, 0};
    SHOW("  set SO_RCVTIMEO_NEW", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO_NEW, &tv, sizeof(tv)));
    tv.tv_sec = 2;
    SHOW("  set SO_SNDTIMEO_NEW", setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO_NEW, &tv, sizeof(tv)));
    SHOW("  set SO_RCVTIMEO_NEW short", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO_NEW, &tv, 8));
    socklen_t len = sizeof(got);
    SHOW("  get SO_SNDTIMEO_NEW", getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO_NEW, &got, &len));
    printf("  sndtimeo %lld.%06lld len %u\n", (long long)got.tv_sec, (long long)got.tv_usec, len);
    struct timeval old = {0, 0};
    len = sizeof(old);
    SHOW("  get SO_RCVTIMEO", getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &old, &len));
    printf("  rcvtimeo read back %s\n", old.tv_sec == 0 && old.tv_usec >= 120000 && old.tv_usec < 130000 ? "as set" : "otherwise");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char c;
    SHOW("  recv", recv(sv[0], &c, 1, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  waited about the timeout: %d\n", waited > 0.1 && waited < 2.0);
    close(sv[0]);
    close(sv[1]);
  }
  return 0;
}
