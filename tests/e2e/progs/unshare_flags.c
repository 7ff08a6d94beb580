// unshare as Linux answers it: unknown flags EINVAL; CLONE_FS, FILES,
// SYSVSEM (which applies the SEM_UNDO adjustments, as an exit), THREAD,
// SIGHAND and VM succeed in a process of one thread; THREAD, SIGHAND, VM
// and NEWUSER (which implies THREAD) are EINVAL once there is another
// thread; namespaces are EPERM without CAP_SYS_ADMIN (an unprivileged
// child: root may make them natively, a container may not).
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_call.h"

static void* Wait(void* arg) {
  int* fd = arg;
  char c;
  (void)!read(*fd, &c, 1);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  SHOW("unshare 0", unshare(0));
  SHOW("unshare CLONE_PTRACE", unshare(CLONE_PTRACE));
  SHOW("unshare CLONE_VFORK", unshare(CLONE_VFORK));
  SHOW("unshare CLONE_FS", unshare(CLONE_FS));
  SHOW("unshare CLONE_FILES", unshare(CLONE_FILES));
  SHOW("unshare CLONE_FS|CLONE_FILES", unshare(CLONE_FS | CLONE_FILES));
  SHOW("unshare CLONE_THREAD", unshare(CLONE_THREAD));
  SHOW("unshare CLONE_SIGHAND", unshare(CLONE_SIGHAND));
  SHOW("unshare CLONE_VM", unshare(CLONE_VM));
  // The descriptors and the working directory are still there.
  int fd = open("/dev/null", O_RDONLY);
  SHOW("open after", fd);
  SHOW("close after", close(fd));
  SHOW("chdir after", chdir("/"));

  // CLONE_SYSVSEM ends the SEM_UNDO list as an exit does: the +1 is undone.
  int id = semget(IPC_PRIVATE, 1, 0600);
  struct sembuf up = {0, 1, SEM_UNDO};
  SHOW("semop +1 SEM_UNDO", semop(id, &up, 1));
  SHOW("semval", semctl(id, 0, GETVAL));
  SHOW("unshare CLONE_SYSVSEM", unshare(CLONE_SYSVSEM));
  SHOW("semval after", semctl(id, 0, GETVAL));
  semctl(id, 0, IPC_RMID);

  int p[2];
  if (pipe(p) != 0) return 1;
  pthread_t t;
  pthread_create(&t, NULL, Wait, &p[0]);
  SHOW("with a thread: unshare CLONE_THREAD", unshare(CLONE_THREAD));
  SHOW("with a thread: unshare CLONE_SIGHAND", unshare(CLONE_SIGHAND));
  SHOW("with a thread: unshare CLONE_VM", unshare(CLONE_VM));
  SHOW("with a thread: unshare CLONE_NEWUSER", unshare(CLONE_NEWUSER));
  SHOW("with a thread: unshare 0", unshare(0));
  (void)!write(p[1], "x", 1);
  pthread_join(t, NULL);

  pid_t child = fork();
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(1);
    SHOW("unprivileged: CLONE_NEWNS", unshare(CLONE_NEWNS));
    SHOW("unprivileged: CLONE_NEWUTS", unshare(CLONE_NEWUTS));
    SHOW("unprivileged: CLONE_NEWIPC", unshare(CLONE_NEWIPC));
    SHOW("unprivileged: CLONE_NEWNET", unshare(CLONE_NEWNET));
    SHOW("unprivileged: CLONE_NEWPID", unshare(CLONE_NEWPID));
    SHOW("unprivileged: CLONE_NEWCGROUP", unshare(CLONE_NEWCGROUP));
    SHOW("unprivileged: CLONE_NEWTIME", unshare(CLONE_NEWTIME));
    SHOW("unprivileged: CLONE_NEWNS|CLONE_PTRACE", unshare(CLONE_NEWNS | CLONE_PTRACE));
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  return 0;
}
