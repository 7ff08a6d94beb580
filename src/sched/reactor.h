// The reactor: one host epoll set through which uthreads wait for host
// descriptors (a terminal or pipe on stdin, host sockets, FIFOs). A waiting
// uthread parks; the kthread keeps running others; the scheduler polls the
// set between uthreads and, when idle, one kthread blocks in epoll_wait.
#pragma once

#include <cstdint>

namespace junction::sched {

// Creates the epoll set (before the seccomp filter: epoll_create1).
bool ReactorInit();

// Parks the current uthread until `host_fd` reports one of `events`
// (EPOLLIN, EPOLLOUT, ...; errors and hang-ups always count), `deadline_ns`
// passes (CLOCK_MONOTONIC, 0 = none) or a signal arrives. Returns the
// ready events (> 0), -ETIMEDOUT, -EINTR, or -errno from epoll_ctl. A
// descriptor epoll cannot watch (a regular file) is reported ready at once.
// Not `interruptible`: signals stay pending and do not end the wait.
long WaitHostFd(int host_fd, uint32_t events, uint64_t deadline_ns, bool interruptible = true);

// A callback registration for code that waits on several descriptors at
// once (poll, select, epoll with host members): `fn(watch, revents)` runs
// once, from the scheduler (ReactorPoll, with the reactor's lock held: it
// may only take leaf locks and wake uthreads), when `fd` reports one of
// `events`; the watch is then unregistered. The owner must call
// UnwatchHostFd before the HostFdWatch dies (harmless if it fired).
struct HostFdWatch {
  void (*fn)(HostFdWatch* w, uint32_t revents) = nullptr;
  void* ctx = nullptr;
  // Watched only by a thread of its own that blocks in ReactorPoll (the
  // daemon watcher): not counted by ReactorHasWaiters, so the scheduler
  // loop does not poll the host for it at every pass.
  bool background = false;
  // Reactor-private.
  int fd = -1;
  bool armed = false;
};
// Returns 0, -EPERM for a descriptor epoll cannot watch (always ready: the
// caller treats it as ready at once), or another -errno from epoll_ctl.
long WatchHostFd(HostFdWatch* w, int host_fd, uint32_t events);
void UnwatchHostFd(HostFdWatch* w);

// Scheduler side: true while some uthread (or a watch that is not
// background) waits on a host descriptor.
bool ReactorHasWaiters();
// Wakes the waiters whose descriptors are ready; blocks up to timeout_ms
// (0: just look). Returns how many uthreads it woke.
int ReactorPoll(int timeout_ms);
// Interrupts a kthread blocked in ReactorPoll (async-signal-safe).
void ReactorKick();

// Fork child: a new epoll set (the parent's is shared with it otherwise).
void ReactorResetAfterFork();

}  // namespace junction::sched
