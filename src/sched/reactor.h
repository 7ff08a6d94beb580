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
long WaitHostFd(int host_fd, uint32_t events, uint64_t deadline_ns);

// Scheduler side: true while some uthread waits on a host descriptor.
bool ReactorHasWaiters();
// Wakes the waiters whose descriptors are ready; blocks up to timeout_ms
// (0: just look). Returns how many uthreads it woke.
int ReactorPoll(int timeout_ms);
// Interrupts a kthread blocked in ReactorPoll (async-signal-safe).
void ReactorKick();

// Fork child: a new epoll set (the parent's is shared with it otherwise).
void ReactorResetAfterFork();

}  // namespace junction::sched
