// execve while another thread is blocked in a host call that does not wait
// in junction's reactor: splice from a host FIFO whose writer never writes,
// flock and F_SETLKW on locks another process holds, and a read of a host
// FIFO (through the reactor). Linux's de_thread kills the blocked thread at
// once and the exec goes on; each stage execs the next (argv[1] = stage).
// The lock holder is a child that waits for the last image to close the
// pipe it inherited. Compared with Linux. Junction holds a kthread in a
// lock wait: with "pipes" as the first argument only the pipe stages run
// (splice waits in the reactor, as read does, so one core will do).
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thread_state.h"

static const char* const kStages[] = {"splice", "read", "flock", "setlkw", "done"};
static int fd, out_fd;
static const char* stage;
static volatile int blocker_tid;

static void* blocker(void* arg) {
  (void)arg;
  char c;
  long r;
  blocker_tid = (int)syscall(SYS_gettid);
  if (!strcmp(stage, "splice")) {
    r = splice(fd, NULL, out_fd, NULL, 1, 0);
  } else if (!strcmp(stage, "flock")) {
    r = flock(fd, LOCK_EX);
  } else if (!strcmp(stage, "setlkw")) {
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    r = fcntl(fd, F_SETLKW, &l);
  } else {
    r = read(fd, &c, 1);
  }
  printf("the blocked thread returned %ld: wrong\n", r);
  return NULL;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  // argv: [stage lock-dir mode] after the first image; the first may have
  // only the mode.
  const char* mode = argc > 3 ? argv[3] : argc == 2 ? argv[1] : "all";
  int pipes_only = !strcmp(mode, "pipes");
  int at = 0;
  if (argc > 3)
    while (strcmp(kStages[at], argv[1])) at++;
  stage = kStages[at];
  // The lock file (its directory's name passed on in argv[2]) and its
  // holder, made at the first stage; the holder waits on a pipe whose
  // write end, descriptor 10, every image keeps.
  char lock_dir[] = "/tmp/junction-e2e-exec-XXXXXX";
  char lock_file[64];
  if (at == 0 && !mkdtemp(lock_dir)) return 1;
  snprintf(lock_file, sizeof(lock_file), "%s/lock", at == 0 ? lock_dir : argv[2]);
  if (at == 0) {
    int hold[2];
    if (pipe(hold)) return 1;
    int ready[2];
    if (pipe(ready)) return 1;
    int lf = open(lock_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fork() == 0) {
      close(hold[1]);
      close(ready[0]);
      flock(lf, LOCK_EX);
      struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
      fcntl(lf, F_SETLK, &l);
      close(ready[1]);
      char c;
      (void)!read(hold[0], &c, 1);  // until the last image ends
      _exit(0);
    }
    close(lf);
    close(hold[0]);
    close(ready[1]);
    char c;
    (void)!read(ready[0], &c, 1);  // the locks are held
    close(ready[0]);
    dup2(hold[1], 10);
    close(hold[1]);
  }
  if (!strcmp(stage, "done")) {
    printf("done: every exec went on\n");
    close(10);
    wait(NULL);
    unlink(lock_file);
    rmdir(at == 0 ? lock_dir : argv[2]);
    return 0;
  }
  printf("%s: exec with another thread blocked in it\n", stage);
  int fd_is_pipe = !strcmp(stage, "splice") || !strcmp(stage, "read");
  if (fd_is_pipe) {
    char dir[] = "/tmp/junction-e2e-exec-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[64];
    snprintf(path, sizeof(path), "%s/fifo", dir);
    if (mkfifo(path, 0600)) return 1;
    fd = open(path, O_RDWR | O_CLOEXEC);  // a writer that never writes
    unlink(path);
    rmdir(dir);
    int p[2];
    if (pipe2(p, O_CLOEXEC)) return 1;
    out_fd = p[1];
  } else {
    fd = open(lock_file, O_RDWR | O_CLOEXEC);
  }
  pthread_t t;
  pthread_create(&t, NULL, blocker, NULL);
  while (!blocker_tid) sched_yield();
  if (fd_is_pipe) {
    while (thread_state(blocker_tid) != 'S') sched_yield();  // in the call
  } else {
    // Junction shows a thread in a host lock wait (on its kthread, not
    // parked) as R, so S cannot be awaited there. Lets it enter the call:
    // for coverage only, the result does not depend on it (an exec before
    // the call ends the thread all the same).
    usleep(20000);
  }
  const char* next = pipes_only && at == 1 ? "done" : kStages[at + 1];
  execl("/proc/self/exe", argv[0], next, at == 0 ? lock_dir : argv[2], mode, (char*)NULL);
  perror("execl");
  return 1;
}
