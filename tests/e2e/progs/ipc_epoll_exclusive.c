// EPOLLEXCLUSIVE compared with Linux: two threads wait in their own epoll
// instances on the same eventfd, added edge-triggered (each wakes once per
// event, nobody reads) with EPOLLEXCLUSIVE: one write wakes exactly one of
// them; without the flag both wake. Also the flag's argument rules. No
// sleep orders anything: the write comes once both sleep in epoll_wait, and
// the wake-ups are counted once both sleep again (a woken thread is R in
// /proc until it has counted its wake-up and waits again).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_state.h"

static int g_efd, g_stopfd;
static atomic_int g_wakes;
static atomic_int g_ready;
static atomic_int g_tids[2];

static void* Waiter(void* arg) {
  uint32_t flags = (uint32_t)(uintptr_t)arg;
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET | flags, .data.u32 = 1};
  epoll_ctl(ep, EPOLL_CTL_ADD, g_efd, &ev);
  struct epoll_event stop = {.events = EPOLLIN, .data.u32 = 2};
  epoll_ctl(ep, EPOLL_CTL_ADD, g_stopfd, &stop);
  atomic_store(&g_tids[atomic_fetch_add(&g_ready, 1)], (int)syscall(SYS_gettid));
  for (;;) {
    struct epoll_event out;
    if (epoll_wait(ep, &out, 1, -1) != 1) continue;
    if (out.data.u32 == 2) break;
    atomic_fetch_add(&g_wakes, 1);
  }
  close(ep);
  return NULL;
}

static int Round(uint32_t flags) {
  g_efd = eventfd(0, EFD_NONBLOCK);
  g_stopfd = eventfd(0, 0);
  atomic_store(&g_wakes, 0);
  atomic_store(&g_ready, 0);
  atomic_store(&g_tids[0], 0);
  atomic_store(&g_tids[1], 0);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, Waiter, (void*)(uintptr_t)flags);
  for (int i = 0; i < 2; i++) {
    while (!atomic_load(&g_tids[i])) usleep(1000);
    wait_thread_asleep(atomic_load(&g_tids[i]));
  }
  uint64_t one = 1;
  write(g_efd, &one, sizeof(one));
  for (int i = 0; i < 30000 && atomic_load(&g_wakes) < 1; i++) usleep(1000);
  for (int i = 0; i < 2; i++) wait_thread_asleep(atomic_load(&g_tids[i]));
  int wakes = atomic_load(&g_wakes);
  write(g_stopfd, &one, sizeof(one));
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  close(g_efd);
  close(g_stopfd);
  return wakes;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("exclusive: %d waiter(s) woken\n", Round(EPOLLEXCLUSIVE));
  printf("shared: %d waiter(s) woken\n", Round(0));

  int ep = epoll_create1(0), efd = eventfd(0, 0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
  int r = epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  printf("add exclusive: %d\n", r);
  r = epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev);
  printf("mod with exclusive: %d %s\n", r, strerror(errno));
  ev.events = EPOLLIN;
  r = epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev);
  printf("mod of an exclusive item: %d %s\n", r, strerror(errno));
  int efd2 = eventfd(0, 0);
  ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
  r = epoll_ctl(ep, EPOLL_CTL_ADD, efd2, &ev);
  printf("exclusive with oneshot: %d %s\n", r, strerror(errno));
  return 0;
}
