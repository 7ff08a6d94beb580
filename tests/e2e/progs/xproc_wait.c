// Waits across processes (docs/architecture.md, "Futexes shared between
// processes"): a parent and forked children hand work over through
// process-shared futexes, pthread mutexes and condition variables, sem_t
// in a MAP_SHARED page, a named semaphore each process maps itself, and
// System V semaphores and message queues; timeouts, EINTR, and waiters
// killed with SIGKILL. stdout is compared with Linux; stderr gets the
// median latency of a wake-up after a 30 ms wait ("wake_latency_us N"),
// which xproc_wait_test.sh compares with the native one.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t* w, int op, uint32_t val, const struct timespec* ts) {
  return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void* shared_page(size_t len) {
  void* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  memset(p, 0, len);
  return p;
}

static int child_status(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// ---- pthread mutex + condition variable, process-shared ----

struct pingpong {
  pthread_mutex_t m;
  pthread_cond_t c;
  int turn;  // 0: parent's, 1: child's
  int count;
};

static void mutex_condvar(int rounds) {
  struct pingpong* s = shared_page(4096);
  pthread_mutexattr_t ma;
  pthread_condattr_t ca;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->m, &ma);
  pthread_cond_init(&s->c, &ca);
  pid_t pid = fork();
  int me = pid == 0 ? 1 : 0;
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&s->m);
    while (s->turn != me) pthread_cond_wait(&s->c, &s->m);
    s->count++;
    s->turn = !me;
    pthread_cond_signal(&s->c);
    pthread_mutex_unlock(&s->m);
  }
  if (pid == 0) _exit(0);
  printf("mutex/condvar ping-pong: count %d, child %d\n", s->count, child_status(pid));
  munmap(s, 4096);
}

// ---- sem_t in a MAP_SHARED page ----

static void sem_in_shared_page(int rounds) {
  sem_t* s = shared_page(4096);
  sem_init(&s[0], 1, 0);
  sem_init(&s[1], 1, 0);
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < rounds; i++) {
      if (sem_wait(&s[0])) _exit(1);
      sem_post(&s[1]);
    }
    // Woken before its timeout by the parent.
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    _exit(sem_timedwait(&s[0], &ts) == 0 ? 0 : 2);
  }
  for (int i = 0; i < rounds; i++) {
    sem_post(&s[0]);
    if (sem_wait(&s[1])) break;
  }
  usleep(20000);
  sem_post(&s[0]);
  printf("sem_t ping-pong: child %d\n", child_status(pid));
  // A timeout nobody ends.
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 50000000;
  if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
  int64_t t0 = now_ns();
  int r = sem_timedwait(&s[1], &ts);
  int64_t waited = now_ns() - t0;
  printf("sem_timedwait with no poster: %d %s, waited >= 45 ms: %d\n", r, r ? strerror(errno) : "",
         waited >= 45000000);
  munmap(s, 4096);
}

// ---- a named semaphore, mapped by each process on its own ----

static void named_semaphore(void) {
  char name[64];
  snprintf(name, sizeof(name), "/xproc_wait_%d", (int)getpid());
  sem_t* s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
  if (s == SEM_FAILED) {
    perror("sem_open");
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    // Its own mapping of the file, at another address than the parent's.
    void* spacer = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)spacer;
    sem_t* own = sem_open(name, 0);
    if (own == SEM_FAILED) _exit(1);
    usleep(30000);
    sem_post(own);
    _exit(0);
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 10;
  int r = sem_timedwait(s, &ts);
  printf("named semaphore posted by another mapping: %d, child %d\n", r, child_status(pid));
  sem_close(s);
  sem_unlink(name);
}

// ---- raw futexes: EINTR, timeouts, waiters killed with SIGKILL ----

static void on_usr1(int sig) { (void)sig; }

static void futex_interrupt_and_timeout(void) {
  uint32_t* w = shared_page(4096);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, NULL);
  pid_t pid = fork();
  if (pid == 0) {
    __atomic_store_n(&w[1], 1, __ATOMIC_SEQ_CST);
    long r = futex(&w[0], FUTEX_WAIT, 0, NULL);
    _exit(r == -1 && errno == EINTR ? 0 : 1);
  }
  while (!__atomic_load_n(&w[1], __ATOMIC_SEQ_CST)) usleep(1000);
  usleep(30000);
  kill(pid, SIGUSR1);
  printf("futex wait interrupted by a signal from another process: child %d\n", child_status(pid));
  struct timespec rel = {0, 40000000};
  int64_t t0 = now_ns();
  long r = futex(&w[0], FUTEX_WAIT, 0, &rel);
  int e = errno;
  printf("futex wait timeout on a shared word: %ld %s, waited >= 35 ms: %d\n", r, r ? strerror(e) : "",
         now_ns() - t0 >= 35000000);
  munmap(w, 4096);
}

// Eight children wait on one word; seven are killed with SIGKILL and
// reaped; a wake still reaches the eighth (records of the dead waiters
// must not stand in its way: more of them than a slot lists).
static void killed_waiters(void) {
  uint32_t* w = shared_page(4096);
  enum { kKids = 8 };
  pid_t kids[kKids];
  for (int i = 0; i < kKids; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      __atomic_add_fetch(&w[1], 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&w[0], __ATOMIC_SEQ_CST) == 0) futex(&w[0], FUTEX_WAIT, 0, NULL);
      _exit(0);
    }
  }
  while (__atomic_load_n(&w[1], __ATOMIC_SEQ_CST) < kKids) usleep(1000);
  usleep(50000);  // all of them in their wait
  for (int i = 0; i < kKids - 1; i++) {
    kill(kids[i], SIGKILL);
    child_status(kids[i]);
  }
  __atomic_store_n(&w[0], 1, __ATOMIC_SEQ_CST);
  futex(&w[0], FUTEX_WAKE, 1, NULL);
  printf("survivor of killed waiters woken: %d\n", child_status(kids[kKids - 1]));
  munmap(w, 4096);
}

// ---- System V semaphores and message queues ----

struct msg {
  long type;
  char text[16];
};

static void sysv(void) {
  int sem = semget(IPC_PRIVATE, 1, 0600);
  int q = msgget(IPC_PRIVATE, 0600);
  pid_t pid = fork();
  if (pid == 0) {
    struct sembuf p = {0, -1, 0};
    if (semop(sem, &p, 1)) _exit(1);
    struct msg m;
    if (msgrcv(q, &m, sizeof(m.text), 1, 0) < 0 || strcmp(m.text, "ping")) _exit(2);
    m.type = 2;
    strcpy(m.text, "pong");
    if (msgsnd(q, &m, sizeof(m.text), 0)) _exit(3);
    _exit(0);
  }
  usleep(30000);
  struct sembuf v = {0, 1, 0};
  semop(sem, &v, 1);
  usleep(30000);
  struct msg m = {1, "ping"};
  msgsnd(q, &m, sizeof(m.text), 0);
  memset(&m, 0, sizeof(m));
  ssize_t n = msgrcv(q, &m, sizeof(m.text), 2, 0);
  printf("sysv semop and msgrcv woken by another process: %zd %s, child %d\n", n, m.text, child_status(pid));
  // semtimedop's timeout, msgrcv interrupted.
  struct sembuf p = {0, -1, 0};
  struct timespec rel = {0, 40000000};
  int64_t t0 = now_ns();
  int r = semtimedop(sem, &p, 1, &rel);
  printf("semtimedop timeout: %d %s, waited >= 35 ms: %d\n", r, r ? strerror(errno) : "", now_ns() - t0 >= 35000000);
  uint32_t* ready = shared_page(4096);
  pid = fork();
  if (pid == 0) {
    __atomic_store_n(ready, 1, __ATOMIC_SEQ_CST);
    struct msg m2;
    ssize_t got = msgrcv(q, &m2, sizeof(m2.text), 7, 0);
    _exit(got < 0 && errno == EINTR ? 0 : 1);
  }
  while (!__atomic_load_n(ready, __ATOMIC_SEQ_CST)) usleep(1000);
  usleep(30000);
  kill(pid, SIGUSR1);
  printf("msgrcv interrupted by a signal: child %d\n", child_status(pid));
  semctl(sem, 0, IPC_RMID);
  msgctl(q, IPC_RMID, NULL);
  munmap(ready, 4096);
}

// ---- latency of a wake-up after a long wait ----

static int cmp64(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x < y ? -1 : x > y;
}

static void wake_latency(void) {
  enum { kRounds = 15 };
  struct {
    uint32_t word;
    uint32_t pad;
    int64_t stamp;
    int64_t lat[kRounds];
  }* s = shared_page(4096);
  pid_t pid = fork();
  if (pid == 0) {
    for (uint32_t i = 1; i <= kRounds; i++) {
      while (__atomic_load_n(&s->word, __ATOMIC_SEQ_CST) < i) futex(&s->word, FUTEX_WAIT, i - 1, NULL);
      s->lat[i - 1] = now_ns() - __atomic_load_n(&s->stamp, __ATOMIC_SEQ_CST);
    }
    _exit(0);
  }
  for (uint32_t i = 1; i <= kRounds; i++) {
    usleep(30000);
    __atomic_store_n(&s->stamp, now_ns(), __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->word, i, __ATOMIC_SEQ_CST);
    futex(&s->word, FUTEX_WAKE, 1, NULL);
  }
  int st = child_status(pid);
  qsort(s->lat, kRounds, sizeof(int64_t), cmp64);
  printf("wake after a long wait: child %d\n", st);
  fprintf(stderr, "wake_latency_us %lld\n", (long long)(s->lat[kRounds / 2] / 1000));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  mutex_condvar(500);
  sem_in_shared_page(500);
  named_semaphore();
  futex_interrupt_and_timeout();
  killed_waiters();
  sysv();
  wake_latency();
  return 0;
}
