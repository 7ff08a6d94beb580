// Forks many times while other threads keep making system calls that
// allocate inside the LibOS (opens, stats, directory reads, pipes, maps,
// short threads). On several kthreads, one of them may be inside the
// LibOS's malloc or holding one of its locks at the moment of the fork:
// each child makes the same calls and must exit, never hang.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kWorkers = 3, kForks = 300 };

static atomic_int stop;
static char dir[64];

static void* Nothing(void* arg) { return arg; }

// One round of allocating calls; 0 if each did what it should, else the
// line of the first that did not (on stderr: for diagnosis only).
#define CHECK(ok)       \
  do {                  \
    if (!(ok)) return __LINE__; \
  } while (0)
static int Round(int who) {
  char path[128];
  snprintf(path, sizeof(path), "%s/f%d", dir, who);
  int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK(write(fd, "x", 1) == 1);
  close(fd);
  CHECK(stat(path, &st) == 0);
  CHECK(stat("f0", &st) == 0);  // relative: the working directory
  DIR* d = opendir(dir);
  CHECK(d != NULL);
  int entries = 0;
  while (readdir(d)) entries++;
  closedir(d);
  CHECK(entries >= 3);
  int p[2];
  CHECK(pipe2(p, O_CLOEXEC) == 0);
  int wrote = write(p[1], "y", 1) == 1;
  close(p[0]);
  close(p[1]);
  CHECK(wrote);
  void* m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED);
  ((char*)m)[4096] = 1;
  CHECK(munmap(m, 3 * 4096) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, Nothing, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  return 0;
}

static void* Worker(void* arg) {
  int who = (int)(long)arg;
  long failures = 0;
  while (!atomic_load(&stop)) {
    int line = Round(who);
    if (line != 0 && failures++ == 0) fprintf(stderr, "worker %d: check at line %d failed (errno %d)\n", who, line, errno);
  }
  return (void*)failures;
}

// Waits for `pid` up to a minute (a hung child is reported, then killed).
static int WaitChild(pid_t pid, int* status) {
  struct timespec tick = {0, 1000000};
  for (int i = 0; i < 60000; i++) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return 0;
    if (r < 0 && errno != EINTR) return -1;
    nanosleep(&tick, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
  return 1;
}

int main(void) {
  snprintf(dir, sizeof(dir), "/tmp/fork_busy_XXXXXX");
  if (!mkdtemp(dir) || chdir(dir) != 0) return 1;
  int fd = open("f0", O_CREAT | O_RDWR, 0600);
  if (fd < 0) return 1;
  close(fd);
  pthread_t workers[kWorkers];
  for (int i = 0; i < kWorkers; i++)
    if (pthread_create(&workers[i], NULL, Worker, (void*)(long)(i + 1)) != 0) return 1;
  int exited0 = 0, other = 0, hung = 0;
  for (int i = 0; i < kForks; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      other++;
      continue;
    }
    if (pid == 0) _exit(Round(100) == 0 && Round(100) == 0 ? 0 : 3);  // f100: no worker's file
    int status = 0;
    int r = WaitChild(pid, &status);
    if (r == 1) {
      hung++;
      fprintf(stderr, "fork %d: child %d hung\n", i, (int)pid);
    } else if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      exited0++;
    } else {
      other++;
    }
  }
  atomic_store(&stop, 1);
  long failures = 0;
  for (int i = 0; i < kWorkers; i++) {
    void* f;
    pthread_join(workers[i], &f);
    failures += (long)f;
  }
  printf("forks %d: exited 0: %d, other: %d, hung: %d\n", kForks, exited0, other, hung);
  printf("worker rounds failed: %ld\n", failures);
  // Clean up the directory.
  DIR* d = opendir(dir);
  struct dirent* e;
  char path[192];
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
  if (chdir("/") != 0 || rmdir(dir) != 0) printf("cleanup failed\n");
  return 0;
}
