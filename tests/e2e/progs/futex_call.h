// futex(2) through syscall(2) (glibc has no wrapper), for the tests that
// compare futex behaviour with native Linux.
#pragma once

#include <linux/futex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// A wait (timeout `t`, NULL: none) or a wake, as most calls are.
static inline long futex(void* uaddr, int op, uint32_t val, const struct timespec* t) {
  return syscall(SYS_futex, uaddr, op, val, t, NULL, 0);
}

// All six arguments: `t` is the timeout, or val2 (a count) for the
// requeue operations.
static inline long futex6(void* uaddr, int op, uint32_t val, const void* t, void* uaddr2,
                          uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, t, uaddr2, val3);
}
