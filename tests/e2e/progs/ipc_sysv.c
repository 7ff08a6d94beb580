// System V shared memory, semaphores and message queues across fork, exec and exit, with
// Linux's errno cases; prints only what is the same on every Linux run
// (no ids, pids or times), so the output compares with native.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
  int val;
  struct semid_ds* buf;
  unsigned short* array;
  struct seminfo* info;
};

static void* const kBad = (void*)16;
// Keys of this run (tests run natively side by side share the host's keys).
static key_t key_base;
#define KEY(n) (key_base + (n))

#define SHOW(expr)                                                     \
  do {                                                                 \
    errno = 0;                                                         \
    long r_ = (long)(expr);                                            \
    printf("%-58s -> %s\n", #expr, r_ < 0 ? strerror(errno) : "ok");  \
  } while (0)

static int nattch(int id) {
  struct shmid_ds ds;
  if (shmctl(id, IPC_STAT, &ds) < 0) return -errno;
  return (int)ds.shm_nattch;
}

static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

// Waits (up to 10 s) until GETNCNT or GETZCNT of sem `n` is `want`.
static int wait_count(int id, int n, int cmd, int want) {
  for (int i = 0; i < 2000; i++) {
    if (semctl(id, n, cmd) == want) return 1;
    sleep_ms(5);
  }
  return 0;
}

// The line of /proc/sysvipc/FILE for `id`: the key and the fields after the
// id whose bits are set in `keep` (bit 0: perms), those that are the same
// on every run.
static void proc_line(const char* file, int id, unsigned keep) {
  char path[64], line[512];
  snprintf(path, sizeof(path), "/proc/sysvipc/%s", file);
  FILE* f = fopen(path, "r");
  if (!f) {
    printf("%s: %s\n", path, strerror(errno));
    return;
  }
  int found = 0;
  while (fgets(line, sizeof(line), f)) {
    int key, lid;
    char rest[512];
    if (sscanf(line, "%d %d %[^\n]", &key, &lid, rest) == 3 && lid == id) {
      printf("%s: key %s", path, key == 0 ? "private" : key >= key_base && key < key_base + 16 ? "ours" : "other");
      char* tok = strtok(rest, " ");
      for (int i = 0; tok && i < 32; i++, tok = strtok(NULL, " "))
        if (keep & (1u << i)) printf(" %s", tok);
      printf("\n");
      found = 1;
    }
  }
  fclose(f);
  if (!found) printf("%s: no line for the id\n", path);
}

static int got_usr1;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }

static void test_shm(const char* self) {
  printf("== shm\n");
  struct shminfo info;
  int max = shmctl(0, IPC_INFO, (struct shmid_ds*)&info);
  printf("IPC_INFO: %s shmmax %lu shmmin %lu shmmni %lu shmall %lu\n", max < 0 ? "fail" : "ok", info.shmmax,
         info.shmmin, info.shmmni, info.shmall);
  int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0640);
  printf("shmget private: %s\n", id >= 0 ? "ok" : strerror(errno));
  struct shmid_ds ds;
  shmctl(id, IPC_STAT, &ds);
  printf("stat: size %zu nattch %lu mode %o cpid-is-self %d lpid %d atime %d\n", ds.shm_segsz, ds.shm_nattch,
         ds.shm_perm.mode, ds.shm_cpid == getpid(), ds.shm_lpid, ds.shm_atime != 0);
  proc_line("shm", id, 0x3);
  char* p = shmat(id, NULL, 0);
  printf("shmat: %s aligned %d\n", p == (void*)-1 ? strerror(errno) : "ok", ((unsigned long)p & 4095) == 0);
  strcpy(p, "from parent");
  shmctl(id, IPC_STAT, &ds);
  printf("after shmat: nattch %lu lpid-is-self %d atime %d\n", ds.shm_nattch, ds.shm_lpid == getpid(),
         ds.shm_atime != 0);
  proc_line("shm", id, 0x3 | 0x10 | 0x20);
  // The page past the segment's end (size 10000: 3 pages) is mapped too.
  p[12287] = 'x';

  pid_t c = fork();
  if (c == 0) {
    printf("child: sees '%s', nattch %d\n", p, nattch(id));
    char* q = shmat(id, NULL, SHM_RDONLY);
    printf("child: second attach %s, same data %d, nattch %d\n", q == (void*)-1 ? strerror(errno) : "ok",
           strcmp(q, p) == 0, nattch(id));
    strcpy(p + 100, "from child");
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("parent: reads '%s', nattch after child exit %d\n", p + 100, nattch(id));

  // exec ends the attachments of the image.
  c = fork();
  if (c == 0) {
    char arg[32];
    snprintf(arg, sizeof(arg), "%d", id);
    shmat(id, NULL, 0);
    printf("child before exec: nattch %d\n", nattch(id));
    fflush(stdout);
    execl(self, self, "--nattch", arg, (char*)NULL);
    _exit(127);
  }
  waitpid(c, NULL, 0);

  // munmap of a whole attachment detaches it.
  char* m = shmat(id, NULL, 0);
  printf("third attach: nattch %d\n", nattch(id));
  munmap(m, 12288);
  printf("after munmap: nattch %d\n", nattch(id));

  // Fixed addresses.
  char* fixed = mmap(NULL, 8 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  SHOW(shmat(id, fixed, 0));
  SHOW(shmat(id, fixed + 1, 0));
  char* r = shmat(id, fixed + 1, SHM_RND | SHM_REMAP);
  printf("shmat SHM_RND|SHM_REMAP over a mapping: %s at the rounded address %d, data '%s'\n",
         r == (void*)-1 ? strerror(errno) : "ok", r == fixed, r == fixed ? r : "");
  SHOW(shmdt(fixed + 4096));
  SHOW(shmdt(fixed + 1));
  SHOW(shmdt(fixed));
  SHOW(shmdt(fixed));
  munmap(fixed, 8 * 4096);

  // Removal while attached: found by id, not by key; destroyed at the last detach.
  int key_id = shmget(KEY(1), 4096, IPC_CREAT | 0600);
  char* k = shmat(key_id, NULL, 0);
  SHOW(shmctl(key_id, IPC_RMID, NULL));
  shmctl(key_id, IPC_STAT, &ds);
  printf("removed while attached: key %d dest %d nattch %lu\n", ds.shm_perm.__key, (ds.shm_perm.mode & 01000) != 0,
         ds.shm_nattch);
  SHOW(shmget(KEY(1), 4096, 0600));
  char* k2 = shmat(key_id, NULL, 0);
  printf("attach after removal: %s nattch %d\n", k2 == (void*)-1 ? strerror(errno) : "ok", nattch(key_id));
  shmdt(k2);
  shmdt(k);
  SHOW(shmctl(key_id, IPC_STAT, &ds));

  // Keys, sizes and errors.
  int a = shmget(KEY(2), 8192, IPC_CREAT | 0600);
  printf("key create: %s\n", a >= 0 ? "ok" : strerror(errno));
  printf("key again same id: %d\n", shmget(KEY(2), 0, 0) == a);
  SHOW(shmget(KEY(2), 4096, IPC_CREAT | IPC_EXCL | 0600));
  SHOW(shmget(KEY(2), 8193, 0600));
  SHOW(shmget(KEY(3), 4096, 0600));
  SHOW(shmget(IPC_PRIVATE, 0, 0600));
  SHOW(shmat(-1, NULL, 0));
  SHOW(shmat(a + 1, NULL, 0));
  SHOW(shmat(a, NULL, SHM_REMAP));
  SHOW(shmctl(a, IPC_STAT, kBad));
  SHOW(shmctl(a, IPC_SET, kBad));
  SHOW(shmctl(a, 1234, NULL));
  SHOW(shmctl(-1, IPC_STAT, &ds));
  shmctl(a, IPC_STAT, &ds);
  ds.shm_perm.mode = 0604;
  SHOW(shmctl(a, IPC_SET, &ds));
  shmctl(a, IPC_STAT, &ds);
  printf("after IPC_SET: mode %o\n", ds.shm_perm.mode);
  if (geteuid() == 0) {
    c = fork();
    if (c == 0) {
      setgid(65534);
      setuid(65534);
      SHOW(shmget(KEY(2), 0, 0600));
      SHOW(shmget(KEY(2), 0, 0004));
      SHOW(shmat(a, NULL, 0));
      SHOW(shmat(a, NULL, SHM_RDONLY) == (void*)-1 ? -1 : 0);
      SHOW(shmctl(a, IPC_RMID, NULL));
      SHOW(shmctl(a, IPC_STAT, &ds));
      fflush(stdout);
      _exit(0);
    }
    waitpid(c, NULL, 0);
  }
  SHOW(shmctl(a, IPC_RMID, NULL));
  shmdt(p);
  SHOW(shmctl(id, IPC_RMID, NULL));
  SHOW(shmctl(id, IPC_STAT, &ds));
}

static void test_sem(void) {
  printf("== sem\n");
  union semun u;
  struct seminfo si;
  u.info = &si;
  int max = semctl(0, 0, IPC_INFO, u);
  printf("IPC_INFO: %s semmni %d semmsl %d semopm %d semvmx %d semaem %d\n", max < 0 ? "fail" : "ok", si.semmni,
         si.semmsl, si.semopm, si.semvmx, si.semaem);
  int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  printf("semget: %s\n", id >= 0 ? "ok" : strerror(errno));
  struct semid_ds ds;
  u.buf = &ds;
  semctl(id, 0, IPC_STAT, u);
  printf("stat: nsems %lu mode %o otime %d\n", ds.sem_nsems, ds.sem_perm.mode, ds.sem_otime != 0);
  proc_line("sem", id, 0x3);
  unsigned short vals[3] = {1, 2, 3}, got[3];
  u.array = vals;
  SHOW(semctl(id, 0, SETALL, u));
  u.array = got;
  semctl(id, 0, GETALL, u);
  printf("GETALL: %d %d %d, GETPID is self %d\n", got[0], got[1], got[2], semctl(id, 1, GETPID) == getpid());
  u.val = 7;
  SHOW(semctl(id, 2, SETVAL, u));
  printf("GETVAL: %d\n", semctl(id, 2, GETVAL));
  u.val = 40000;
  SHOW(semctl(id, 2, SETVAL, u));
  u.val = -1;
  SHOW(semctl(id, 2, SETVAL, u));
  u.val = 1;
  SHOW(semctl(id, 3, SETVAL, u));
  SHOW(semctl(id, 3, GETVAL));
  SHOW(semctl(id, 0, GETALL, (union semun){.array = kBad}));
  SHOW(semctl(id, 0, IPC_STAT, (union semun){.buf = kBad}));
  SHOW(semctl(id, 0, 1234));
  SHOW(semctl(-1, 0, GETVAL));

  struct sembuf op = {0, -2, IPC_NOWAIT};
  SHOW(semop(id, &op, 1));
  struct sembuf zero = {0, 0, IPC_NOWAIT};
  SHOW(semop(id, &zero, 1));
  struct sembuf big = {3, 1, 0};
  SHOW(semop(id, &big, 1));
  SHOW(semop(id, &op, 0));
  SHOW(semop(id, kBad, 1));
  static struct sembuf many[501];
  SHOW(semop(id, many, 501));
  struct timespec t = {0, 50000000};
  struct sembuf wait1 = {0, -2, 0};
  SHOW(semtimedop(id, &wait1, 1, &t));
  struct timespec badt = {0, 2000000000};
  SHOW(semtimedop(id, &wait1, 1, &badt));
  SHOW(semtimedop(id, &wait1, 1, kBad));
  // A semaphore named twice: the second sees the first's change.
  struct sembuf dup[2] = {{0, 1, 0}, {0, -2, IPC_NOWAIT}};
  SHOW(semop(id, dup, 2));
  printf("after dup ops: %d\n", semctl(id, 0, GETVAL));
  struct sembuf over = {2, 32767, IPC_NOWAIT};
  SHOW(semop(id, &over, 1));
  semctl(id, 0, IPC_STAT, u.buf = &ds, u);
  u.buf = &ds;
  semctl(id, 0, IPC_STAT, u);
  printf("otime set after semop: %d\n", ds.sem_otime != 0);

  // A child blocks; the parent sees GETNCNT, posts, the child goes on.
  u.val = 0;
  semctl(id, 0, SETVAL, u);
  pid_t c = fork();
  if (c == 0) {
    struct sembuf p = {0, -1, 0};
    int r = semop(id, &p, 1);
    printf("child: P returned %d, value now %d\n", r, semctl(id, 0, GETVAL));
    fflush(stdout);
    _exit(0);
  }
  printf("parent: child waits (ncnt 1): %d\n", wait_count(id, 0, GETNCNT, 1));
  struct sembuf v = {0, 1, 0};
  semop(id, &v, 1);
  waitpid(c, NULL, 0);
  printf("after child: ncnt %d value %d\n", semctl(id, 0, GETNCNT), semctl(id, 0, GETVAL));

  // Wait for zero.
  u.val = 2;
  semctl(id, 1, SETVAL, u);
  c = fork();
  if (c == 0) {
    struct sembuf z = {1, 0, 0};
    int r = semop(id, &z, 1);
    printf("child: zero wait returned %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  printf("parent: zcnt 1: %d\n", wait_count(id, 1, GETZCNT, 1));
  struct sembuf down2 = {1, -2, 0};
  semop(id, &down2, 1);
  waitpid(c, NULL, 0);

  // SEM_UNDO: applied when the process exits, or is killed.
  u.val = 5;
  semctl(id, 2, SETVAL, u);
  c = fork();
  if (c == 0) {
    struct sembuf d = {2, -3, SEM_UNDO};
    semop(id, &d, 1);
    printf("child: took 3 with SEM_UNDO, value %d\n", semctl(id, 2, GETVAL));
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("after exit: value %d\n", semctl(id, 2, GETVAL));
  int fds[2];
  if (pipe(fds) != 0) return;
  c = fork();
  if (c == 0) {
    struct sembuf d = {2, -4, SEM_UNDO};
    semop(id, &d, 1);
    if (write(fds[1], "x", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char b;
  if (read(fds[0], &b, 1) != 1) return;
  printf("child holds 4: value %d\n", semctl(id, 2, GETVAL));
  kill(c, SIGKILL);
  int st;
  waitpid(c, &st, 0);
  printf("after SIGKILL (signal %d): value %d\n", WTERMSIG(st), semctl(id, 2, GETVAL));

  // EINTR from a signal with SA_RESTART: semop is never restarted.
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  u.val = 0;
  semctl(id, 0, SETVAL, u);
  c = fork();
  if (c == 0) {
    struct sembuf p = {0, -1, 0};
    int r = semop(id, &p, 1);
    printf("child: interrupted semop %d %s, handler ran %d\n", r, strerror(errno), got_usr1);
    fflush(stdout);
    _exit(0);
  }
  wait_count(id, 0, GETNCNT, 1);
  kill(c, SIGUSR1);
  waitpid(c, NULL, 0);

  // Removal while a child waits: EIDRM.
  c = fork();
  if (c == 0) {
    struct sembuf p = {0, -1, 0};
    int r = semop(id, &p, 1);
    printf("child: semop on a removed set %d %s\n", r, strerror(errno));
    fflush(stdout);
    _exit(0);
  }
  wait_count(id, 0, GETNCNT, 1);
  int rm = semctl(id, 0, IPC_RMID);
  waitpid(c, NULL, 0);  // the child's line first, then the parent's
  printf("parent: IPC_RMID while the child waited: %d\n", rm);
  SHOW(semctl(id, 0, GETVAL));

  // Keys and permissions.
  int k = semget(KEY(4), 2, IPC_CREAT | 0600);
  printf("key create: %s, again same id %d\n", k >= 0 ? "ok" : strerror(errno), semget(KEY(4), 0, 0) == k);
  SHOW(semget(KEY(4), 3, 0600));
  SHOW(semget(KEY(4), 2, IPC_CREAT | IPC_EXCL | 0600));
  SHOW(semget(KEY(5), 2, 0600));
  SHOW(semget(IPC_PRIVATE, 0, 0600));
  SHOW(semget(IPC_PRIVATE, 32001, 0600));
  if (geteuid() == 0) {
    c = fork();
    if (c == 0) {
      setgid(65534);
      setuid(65534);
      SHOW(semget(KEY(4), 2, 0600));
      SHOW(semctl(k, 0, GETVAL));
      SHOW(semctl(k, 0, IPC_RMID));
      struct sembuf p = {0, 1, 0};
      SHOW(semop(k, &p, 1));
      fflush(stdout);
      _exit(0);
    }
    waitpid(c, NULL, 0);
  }
  proc_line("sem", k, 0x3);
  SHOW(semctl(k, 0, IPC_RMID));
}


struct msgbuf_ {
  long mtype;
  char mtext[9000];
};

static void msg_send(int id, long type, const char* text) {
  struct msgbuf_ m;
  m.mtype = type;
  strcpy(m.mtext, text);
  if (msgsnd(id, &m, strlen(text) + 1, 0) != 0) printf("msgsnd %ld: %s\n", type, strerror(errno));
}

static void msg_recv(int id, long type, int flags, const char* what) {
  struct msgbuf_ m;
  memset(&m, 0, sizeof(m));
  errno = 0;
  long n = msgrcv(id, &m, 100, type, flags);
  if (n < 0) printf("msgrcv %s: %s\n", what, strerror(errno));
  else printf("msgrcv %s: %ld bytes, type %ld, '%.*s'\n", what, n, m.mtype, (int)n, m.mtext);
}

static int qnum(int id) {
  struct msqid_ds ds;
  if (msgctl(id, IPC_STAT, &ds) < 0) return -errno;
  return (int)ds.msg_qnum;
}

static void test_msg(void) {
  printf("== msg\n");
  struct msginfo mi;
  int max = msgctl(0, IPC_INFO, (struct msqid_ds*)&mi);
  printf("IPC_INFO: %s msgmax %d msgmnb %d msgmni %d msgssz %d msgseg %d msgpool %d\n", max < 0 ? "fail" : "ok",
         mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgssz, mi.msgseg, mi.msgpool);
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  printf("msgget: %s\n", id >= 0 ? "ok" : strerror(errno));
  struct msqid_ds ds;
  msgctl(id, IPC_STAT, &ds);
  printf("stat: qbytes %lu qnum %lu cbytes %lu mode %o\n", ds.msg_qbytes, ds.msg_qnum, ds.__msg_cbytes,
         ds.msg_perm.mode);
  msg_send(id, 1, "one");
  msg_send(id, 2, "two-a");
  msg_send(id, 3, "three");
  msg_send(id, 2, "two-b");
  msgctl(id, IPC_STAT, &ds);
  printf("after 4 sends: qnum %lu cbytes %lu lspid-is-self %d stime %d\n", ds.msg_qnum, ds.__msg_cbytes,
         ds.msg_lspid == getpid(), ds.msg_stime != 0);
  proc_line("msg", id, 0x1 | 0x2 | 0x4);
  struct msgbuf_ c;
  errno = 0;
  long n = msgrcv(id, &c, sizeof(c.mtext), 0, MSG_COPY | IPC_NOWAIT);
  printf("MSG_COPY 0: %ld %s\n", n, n < 0 ? strerror(errno) : c.mtext);
  msg_recv(id, 2, 0, "type 2");
  msg_recv(id, -3, 0, "type <= 3");
  msg_recv(id, 2, MSG_EXCEPT, "not type 2");
  msg_recv(id, 0, 0, "any");
  msg_recv(id, 0, IPC_NOWAIT, "empty, IPC_NOWAIT");
  msg_recv(id, 5, IPC_NOWAIT, "type 5, IPC_NOWAIT");
  msgctl(id, IPC_STAT, &ds);
  printf("after receives: qnum %lu cbytes %lu lrpid-is-self %d\n", ds.msg_qnum, ds.__msg_cbytes,
         ds.msg_lrpid == getpid());

  // Sizes and errors.
  struct msgbuf_ big;
  big.mtype = 7;
  memset(big.mtext, 'b', sizeof(big.mtext));
  SHOW(msgsnd(id, &big, 8192, 0));
  SHOW(msgsnd(id, &big, 8193, 0));
  big.mtype = 0;
  SHOW(msgsnd(id, &big, 10, 0));
  SHOW(msgsnd(id, kBad, 10, 0));
  SHOW(msgsnd(-1, &big, 10, 0));
  SHOW(msgsnd(id + 1, &c, 10, 0));
  SHOW(msgrcv(id, &c, 10, 0, 0));
  printf("after E2BIG: qnum %d\n", qnum(id));
  n = msgrcv(id, &c, 10, 0, MSG_NOERROR);
  printf("MSG_NOERROR: %ld bytes '%.10s', qnum %d\n", n, c.mtext, qnum(id));
  msg_send(id, 9, "lost");
  SHOW(msgrcv(id, kBad, 10, 0, 0));
  printf("after a faulting receive: qnum %d\n", qnum(id));
  SHOW(msgrcv(id, &c, 10, 0, MSG_COPY));
  SHOW(msgrcv(id, &c, 10, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT));
  SHOW(msgctl(id, IPC_STAT, kBad));
  SHOW(msgctl(id, 1234, NULL));

  // A full queue: IPC_NOWAIT, then a sender blocked until a receive.
  msgctl(id, IPC_STAT, &ds);
  ds.msg_qbytes = 64;
  SHOW(msgctl(id, IPC_SET, &ds));
  msg_send(id, 1, "0123456789012345678901234567890123456789");
  struct msgbuf_ m = {1, "0123456789012345678901234567890123456789"};
  SHOW(msgsnd(id, &m, 41, IPC_NOWAIT));
  pid_t ch = fork();
  if (ch == 0) {
    int r = msgsnd(id, &m, 41, 0);
    printf("child: blocked send returned %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  printf("parent: queue still full, qnum %d\n", qnum(id));
  fflush(stdout);
  struct msgbuf_ r;
  long got = msgrcv(id, &r, 100, 0, 0);
  waitpid(ch, NULL, 0);  // the child's line first, then the parent's
  printf("parent: a receive of %ld bytes freed room; after the child: qnum %d\n", got, qnum(id));
  msg_recv(id, 0, 0, "the child's");

  // A receiver blocked in a child until the parent sends.
  ch = fork();
  if (ch == 0) {
    msg_recv(id, 4, 0, "child, waited for type 4");
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  msg_send(id, 3, "not for it");
  msg_send(id, 4, "for the child");
  waitpid(ch, NULL, 0);
  printf("left: qnum %d\n", qnum(id));
  msg_recv(id, 0, 0, "the rest");

  // EINTR, then removal while waiting (EIDRM).
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  ch = fork();
  if (ch == 0) {
    msg_recv(id, 0, 0, "child, interrupted");
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  kill(ch, SIGUSR1);
  waitpid(ch, NULL, 0);
  ch = fork();
  if (ch == 0) {
    msg_recv(id, 0, 0, "child, queue removed");
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  int rm = msgctl(id, IPC_RMID, NULL);
  waitpid(ch, NULL, 0);
  printf("parent: IPC_RMID while the child waited: %d\n", rm);
  SHOW(msgctl(id, IPC_STAT, &ds));

  // Keys and permissions.
  int k = msgget(KEY(6), IPC_CREAT | 0600);
  printf("key create: %s, again same id %d\n", k >= 0 ? "ok" : strerror(errno), msgget(KEY(6), 0) == k);
  SHOW(msgget(KEY(6), IPC_CREAT | IPC_EXCL | 0600));
  SHOW(msgget(KEY(7), 0600));
  if (geteuid() == 0) {
    ch = fork();
    if (ch == 0) {
      setgid(65534);
      setuid(65534);
      SHOW(msgget(KEY(6), 0600));
      SHOW(msgsnd(k, &m, 5, IPC_NOWAIT));
      SHOW(msgrcv(k, &c, 10, 0, IPC_NOWAIT));
      SHOW(msgctl(k, IPC_RMID, NULL));
      fflush(stdout);
      _exit(0);
    }
    waitpid(ch, NULL, 0);
  }
  msgctl(k, IPC_STAT, &ds);
  ds.msg_qbytes = 100000;
  SHOW(msgctl(k, IPC_SET, &ds));
  SHOW(msgctl(k, IPC_RMID, NULL));
}

// A process killed by a fault of its own (no handler) ends its
// attachments and gives back its SEM_UNDO adjustments, as any exit.
static void test_crash(void) {
  printf("== a child dies of SIGSEGV\n");
  int shm = shmget(IPC_PRIVATE, 4096, 0600);
  int sem = semget(IPC_PRIVATE, 1, 0600);
  union semun u = {.val = 3};
  semctl(sem, 0, SETVAL, u);
  pid_t c = fork();
  if (c == 0) {
    char* p = shmat(shm, NULL, 0);
    shmctl(shm, IPC_RMID, NULL);  // destroyed at the last detach: the child's death
    struct sembuf d = {0, -2, SEM_UNDO};
    semop(sem, &d, 1);
    p[0] = 1;
    *(volatile int*)kBad = 1;
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  struct shmid_ds ds;
  printf("child: signal %d; segment after it: %s; semaphore %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0,
         shmctl(shm, IPC_STAT, &ds) < 0 ? strerror(errno) : "still there", semctl(sem, 0, GETVAL));
  semctl(sem, 0, IPC_RMID);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  key_base = 0x50000000 + ((getpid() & 0xffff) << 4);
  if (argc == 3 && strcmp(argv[1], "--nattch") == 0) {
    printf("after exec: nattch %d\n", nattch(atoi(argv[2])));
    return 0;
  }
  test_shm(argv[0]);
  test_sem();
  test_msg();
  test_crash();
  return 0;
}
