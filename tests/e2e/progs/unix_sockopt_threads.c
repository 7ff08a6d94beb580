// Two threads set the same SOL_SOCKET options on one unix socket at the
// same time (in opposite orders), socket after socket, then the options
// are read back: Linux serialises them (lock_sock); the LibOS kept them in
// an unlocked map and crashed ("LibOS bug: signal 11") about one run in
// three. Run on two kthreads.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "show_call.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif

enum { kSockets = 3000 };

static const int kOptions[] = {
    SO_DEBUG,     SO_REUSEADDR, SO_DONTROUTE,  SO_BROADCAST,       SO_KEEPALIVE, SO_OOBINLINE,
    SO_NO_CHECK,  SO_PASSSEC,   SO_TIMESTAMP,  SO_RXQ_OVFL,  SO_WIFI_STATUS,
    SO_NOFCS,     SO_PRIORITY,  SO_MARK,       SO_SELECT_ERR_QUEUE, SO_BUSY_POLL, SO_INCOMING_CPU,
    SO_RCVLOWAT,  SO_PEEK_OFF,  SO_PASSPIDFD,  SO_PASSCRED,  SO_LINGER,
};
enum { kCount = sizeof(kOptions) / sizeof(kOptions[0]) };

static int g_socks[kSockets];
static atomic_int g_turn[2];  // the socket each thread is at

static void SetAll(int fd, int reverse) {
  for (int i = 0; i < kCount; i++) {
    int name = kOptions[reverse ? kCount - 1 - i : i];
    if (name == SO_LINGER) {
      struct linger l = {1, 5};
      setsockopt(fd, SOL_SOCKET, name, &l, sizeof(l));
    } else {
      int v = name == SO_PEEK_OFF ? 0 : 1;
      setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v));
    }
  }
}

// Thread `me` sets the options of socket i once the other thread reached
// socket i too, so both work on one socket's options at once.
static void* Setter(void* arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < kSockets; i++) {
    atomic_store(&g_turn[me], i);
    // Yielding, in case both threads share a kthread.
    for (int spins = 0; atomic_load(&g_turn[!me]) < i; spins++)
      if (spins > 1000) sched_yield();
    SetAll(g_socks[i], me);
  }
  atomic_store(&g_turn[me], kSockets);
  return NULL;
}

int main(void) {
  for (int i = 0; i < kSockets; i += 2) {
    int sv[2];
    if (socketpair(AF_UNIX, i % 4 ? SOCK_DGRAM : SOCK_STREAM, 0, sv) < 0) {
      perror("socketpair");
      return 1;
    }
    g_socks[i] = sv[0];
    g_socks[i + 1] = sv[1];
  }
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, Setter, (void*)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  // Every socket reads back what both threads set.
  int differing = 0;
  for (int i = 0; i < kSockets; i++) {
    for (int j = 0; j < kCount; j++) {
      char got[64];
      socklen_t len = sizeof(got);
      if (getsockopt(g_socks[i], SOL_SOCKET, kOptions[j], got, &len) < 0) {
        if (i == 0) printf("option %d: %s\n", kOptions[j], strerror(errno));
        continue;
      }
      if (i == 0) {
        printf("option %d:", kOptions[j]);
        for (socklen_t k = 0; k < len; k += sizeof(int)) printf(" %d", *(int*)(got + k));
        printf("\n");
      } else {
        char first[64];
        socklen_t flen = sizeof(first);
        getsockopt(g_socks[0], SOL_SOCKET, kOptions[j], first, &flen);
        if (flen != len || memcmp(first, got, len)) {
          if (!differing) printf("socket %d option %d: %d not %d\n", i, kOptions[j], *(int*)got, *(int*)first);
          differing++;
        }
      }
    }
  }
  printf("sockets whose options differ from the first's: %d\n", differing);
  return 0;
}
