// A thread's scheduling state as /proc reports it, for tests that must act
// only once another thread really sleeps in a call (natively and under
// junction, whose procfs reports S for a parked uthread).
#pragma once

#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

// Thread `tid`'s state letter (/proc/self/task/TID/stat), '?' if gone.
static inline char thread_state(pid_t tid) {
  char name[64], line[512];
  snprintf(name, sizeof(name), "/proc/self/task/%d/stat", (int)tid);
  int fd = open(name, O_RDONLY);
  if (fd < 0) return '?';
  ssize_t n = read(fd, line, sizeof(line) - 1);
  close(fd);
  if (n <= 0) return '?';
  line[n] = 0;
  char* paren = strrchr(line, ')');
  return paren && paren[1] == ' ' ? paren[2] : '?';
}

// Waits until thread `tid` sleeps in a blocking call (state S), polling
// every millisecond for up to about 30 s (a loaded machine may take long to
// get it there). Returns 1 once it sleeps, 0 if it never did or is gone.
static inline int wait_thread_asleep(pid_t tid) {
  for (int i = 0; i < 30000; i++) {
    char state = thread_state(tid);
    if (state == 'S') return 1;
    if (state == '?') return 0;
    usleep(1000);
  }
  return 0;
}
