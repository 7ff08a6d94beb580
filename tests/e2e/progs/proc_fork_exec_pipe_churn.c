// fork + exec while two other threads create pipes, add them to an epoll
// set, make them ready and close them (what Go's os/exec and netpoller do
// while `go build` runs its compilers in parallel). The child's exec closes
// the close-on-exec descriptors it inherited: never stuck on a lock another
// thread held at the fork (the epoll's). The threads' pipes keep working
// across the forks: no write fails (a fork that moved pipes to the host
// once put an old pipe's host end in place of a new one: EBADF, EPIPE).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

static int epfd;
static volatile int stop;
static int failed_writes[2], failed_reads[2];

static void* Churn(void* arg) {
  int id = (int)(long)arg;
  struct epoll_event out[4];
  while (!stop) {
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) continue;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = p[0]};
    epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev);
    char c = 1;
    if (write(p[1], &c, 1) != 1) failed_writes[id]++;
    epoll_wait(epfd, out, 4, 0);
    if (read(p[0], &c, 1) != 1) failed_reads[id]++;
    close(p[1]);
    close(p[0]);
  }
  return NULL;
}

int main(int argc, char** argv) {
  int forks = argc > 1 ? atoi(argv[1]) : 300;
  signal(SIGPIPE, SIG_IGN);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, Churn, (void*)i);
  int ok = 0;
  for (int i = 0; i < forks; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/true", "true", (char*)NULL);
      _exit(1);
    }
    int st;
    waitpid(pid, &st, 0);
    ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  stop = 1;
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("%d of %d children ran /bin/true\n", ok, forks);
  printf("failed pipe writes %d, reads %d\n", failed_writes[0] + failed_writes[1],
         failed_reads[0] + failed_reads[1]);
  return 0;
}
