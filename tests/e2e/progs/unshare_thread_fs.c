// unshare(CLONE_FS) in one thread of several: that thread gets a working
// directory of its own (chdir there does not move the others', relative
// paths resolve from it, a later thread still shares the process's);
// CLONE_FILES with other threads is still EINVAL under junction, so it is
// not compared here (docs/filesystem.md).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "show_call.h"

static char base[64];
static pthread_barrier_t step;

static void ShowCwd(const char* who) {
  char buf[4096];
  if (!getcwd(buf, sizeof(buf))) {
    printf("%s: getcwd failed\n", who);
    return;
  }
  printf("%s: cwd is %s\n", who, strncmp(buf, base, strlen(base)) == 0 ? buf + strlen(base) : buf);
}

static void* Unsharer(void* arg) {
  (void)arg;
  SHOW("thread: unshare CLONE_FS", unshare(CLONE_FS));
  SHOW("thread: chdir a", chdir("a"));
  ShowCwd("thread");
  int fd = open("in_a", O_CREAT | O_WRONLY, 0644);  // relative: in a/
  printf("thread: created in_a: %d\n", fd >= 0);
  close(fd);
  pthread_barrier_wait(&step);  // main looks
  pthread_barrier_wait(&step);  // main moved to b
  ShowCwd("thread after main's chdir");
  return NULL;
}

static void* Sharer(void* arg) {
  (void)arg;
  ShowCwd("a later thread");
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  strcpy(base, "/tmp/unshare_thread_fsXXXXXX");
  if (!mkdtemp(base)) return 1;
  if (chdir(base)) return 1;
  mkdir("a", 0755);
  mkdir("b", 0755);
  pthread_barrier_init(&step, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, Unsharer, NULL);
  pthread_barrier_wait(&step);
  ShowCwd("main");
  struct stat st;
  printf("main: a/in_a exists: %d, in_a here: %d\n", stat("a/in_a", &st) == 0, stat("in_a", &st) == 0);
  SHOW("main: chdir b", chdir("b"));
  pthread_barrier_wait(&step);
  pthread_join(t, NULL);
  ShowCwd("main");
  pthread_create(&t, NULL, Sharer, NULL);
  pthread_join(t, NULL);
  unlink("../a/in_a");
  chdir("/");
  char path[128];
  snprintf(path, sizeof(path), "%s/a", base);
  rmdir(path);
  snprintf(path, sizeof(path), "%s/b", base);
  rmdir(path);
  rmdir(base);
  return 0;
}
