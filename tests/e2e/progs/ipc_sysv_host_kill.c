// Children that loop in System V IPC calls (message queue, semaphores
// with SEM_UNDO, shared memory) while the test script kills them with a
// host SIGKILL, mid-call (ipc_sysv_host_kill_test.sh). The parent keeps
// calling in and reaps and replaces them; it must neither hang nor find
// the registry broken afterwards.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int q, sid;

static pid_t spawn(void) {
  pid_t c = fork();
  if (c) return c;
  struct {
    long type;
    char text[200];
  } m = {1, {0}};
  for (unsigned i = 0;; i++) {
    msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT);
    msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT);
    struct sembuf up[2] = {{0, 1, SEM_UNDO}, {1, 1, SEM_UNDO}};
    semop(sid, up, 2);
    up[0].sem_op = up[1].sem_op = -1;
    semop(sid, up, 2);
    int shm = (i % 64) ? -1 : shmget(IPC_PRIVATE, 8192, 0600);
    if (shm >= 0) {
      void* at = shmat(shm, 0, 0);
      shmctl(shm, IPC_RMID, 0);
      if (at != (void*)-1) shmdt(at);
    }
  }
}

// "undo": a child takes a semaphore with SEM_UNDO and is killed from
// outside; the parent, which has not reaped it (a zombie), waits for the
// semaphore: the child's exit gives it back.
static int undo_after_host_kill(void) {
  int id = semget(IPC_PRIVATE, 1, 0600);
  struct sembuf take = {0, -1, SEM_UNDO}, give = {0, 1, 0};
  semop(id, &give, 1);
  // The parent waits on the semaphore only once the child holds it (else
  // it could take it first and the child would block instead).
  int taken[2];
  if (pipe(taken)) return 1;
  pid_t c = fork();
  if (c == 0) {
    semop(id, &take, 1);
    printf("ready: taken\n");
    fflush(stdout);
    if (write(taken[1], "t", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char byte;
  if (read(taken[0], &byte, 1) != 1) return 1;
  alarm(20);  // SIGALRM ends the process if it waits for ever
  take.sem_flg = 0;
  int r = semop(id, &take, 1);
  printf("semop after the holder was killed: %d\n", r);
  int st;
  waitpid(c, &st, 0);
  printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  semctl(id, 0, IPC_RMID);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "undo")) return undo_after_host_kill();
  int secs = argc > 1 ? atoi(argv[1]) : 10;
  q = msgget(IPC_PRIVATE, 0600);
  sid = semget(IPC_PRIVATE, 2, 0600);
  pid_t kids[2] = {spawn(), spawn()};
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  time_t end = time(0) + secs;
  while (time(0) < end) {
    struct msqid_ds ds;
    if (msgctl(q, IPC_STAT, &ds)) printf("msgctl: %s\n", strerror(errno));
    for (int i = 0; i < 2; i++) {
      int st;
      if (waitpid(kids[i], &st, WNOHANG) == kids[i]) kids[i] = spawn();
    }
    usleep(1000);
  }
  for (int i = 0; i < 2; i++) kill(kids[i], SIGKILL);
  while (wait(0) > 0) {
  }
  // The registry still works: a fresh queue, set and segment.
  int q2 = msgget(IPC_PRIVATE, 0600);
  struct {
    long type;
    char text[8];
  } m = {7, "after"}, r;
  printf("msgsnd %d\n", msgsnd(q2, &m, sizeof(m.text), 0));
  printf("msgrcv %zd %s\n", msgrcv(q2, &r, sizeof(r.text), 7, IPC_NOWAIT), r.text);
  int s2 = semget(IPC_PRIVATE, 3, 0600);
  struct sembuf op = {2, 5, 0};
  printf("semop %d val %d\n", semop(s2, &op, 1), semctl(s2, 2, GETVAL));
  int shm = shmget(IPC_PRIVATE, 4096, 0600);
  char* p = shmat(shm, 0, 0);
  strcpy(p, "shm ok");
  printf("%s\n", p);
  shmdt(p);
  printf("rmid %d %d %d %d %d\n", msgctl(q, IPC_RMID, 0), msgctl(q2, IPC_RMID, 0), semctl(sid, 0, IPC_RMID),
         semctl(s2, 0, IPC_RMID), shmctl(shm, IPC_RMID, 0));
  return 0;
}
