// SHOW(label, call): prints `label: RESULT ok`, or `label: RESULT
// ERRNO-TEXT` when the call failed (RESULT < 0). errno is read right after
// the call, before anything else may change it. The tests that compare raw
// system call results with native Linux print them this way.
#pragma once

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SHOW(label, call)                                           \
  do {                                                              \
    long r_ = (long)(call);                                         \
    int e_ = errno;                                                 \
    printf("%s: %ld %s\n", label, r_, r_ < 0 ? strerror(e_) : "ok"); \
  } while (0)
