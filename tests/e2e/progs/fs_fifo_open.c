// Opening a FIFO: a blocking O_RDONLY open in one thread waits for another
// thread of the same process to open the write end (on one kthread too),
// O_NONBLOCK read-open succeeds at once, O_NONBLOCK write-open without a
// reader is ENXIO, O_RDWR never blocks, a blocking write-open waits for a
// reader, and the description is blocking again afterwards. Each open
// returns when the peer opens, before any byte is written; signals
// interrupt read- and write-opens (EINTR, or a restart under SA_RESTART).
// No sleep orders anything: a thread that must be blocked in its open
// first is watched in /proc/self/task/TID/stat until its state is S.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_state.h"

static char path[256];

static void check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) exit(1);
}

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

// Waits until thread `tid` sleeps (blocked in its open), or `*done` is set
// (it returned instead). The 1 ms pauses only space the polls.
static void wait_asleep(pid_t tid, atomic_int* done) {
  while (!(done && atomic_load(done)) && thread_state(tid) != 'S') usleep(1000);
}

static void* writer(void* arg) {
  (void)arg;
  wait_asleep(getpid(), NULL);  // the main thread's read-open waits first (either order must work)
  int fd = open(path, O_WRONLY);
  if (fd < 0) return (void*)1;
  if (write(fd, "hello\n", 6) != 6) return (void*)2;
  close(fd);
  return NULL;
}

static void* reader(void* arg) {
  (void)arg;
  wait_asleep(getpid(), NULL);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return (void*)1;
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  return (n == 6 && strcmp(buf, "world\n") == 0) ? NULL : (void*)2;
}

// A writer that waits for the reader's open to return before writing: the
// read-open must return when the writer opens, not when it writes. After
// 10 s it writes anyway, so a wrong open fails the check instead of hanging.
static atomic_int reader_opened;

static void* waiting_writer(void* arg) {
  int* saw_reader = arg;
  int fd = open(path, O_WRONLY);
  if (fd < 0) return (void*)1;
  for (int i = 0; i < 10000 && !atomic_load(&reader_opened); i++) usleep(1000);
  *saw_reader = atomic_load(&reader_opened);
  if (write(fd, "late\n", 5) != 5) return (void*)2;
  close(fd);
  return NULL;
}

// The reverse: a reader that waits for the writer's open to return before
// it reads (and before it closes).
static atomic_int writer_opened;
static atomic_int waiting_reader_tid;

static void* waiting_reader(void* arg) {
  int* saw_writer = arg;
  atomic_store(&waiting_reader_tid, gettid_());
  int fd = open(path, O_RDONLY);
  if (fd < 0) return (void*)1;
  for (int i = 0; i < 10000 && !atomic_load(&writer_opened); i++) usleep(1000);
  *saw_writer = atomic_load(&writer_opened);
  char buf[8];
  if (read(fd, buf, sizeof(buf)) != 3) return (void*)2;
  close(fd);
  return NULL;
}

// Data left in the FIFO by a writer that has gone (another reader kept it
// open): a new blocking read-open still waits for a new writer.
static atomic_int late_reader_returned, late_reader_tid;

static void* late_reader(void* arg) {
  int* fd_out = arg;
  atomic_store(&late_reader_tid, gettid_());
  *fd_out = open(path, O_RDONLY);
  atomic_store(&late_reader_returned, 1);
  return NULL;
}

static atomic_int opener_tid, handled;
static int intr_result, intr_errno;

static void on_usr1(int sig) {
  (void)sig;
  atomic_store(&handled, 1);
}

static void* interrupted_opener(void* arg) {
  int mode = *(int*)arg;
  atomic_store(&opener_tid, gettid_());
  intr_result = open(path, mode);
  intr_errno = errno;
  return NULL;
}

// A signal reaches a thread blocked in a read-open (or write-open): EINTR
// without SA_RESTART; with it the open restarts and returns once the peer
// opens.
static void signal_during_open(int restart, int mode) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGUSR1, &sa, NULL);
  atomic_store(&opener_tid, 0);
  atomic_store(&handled, 0);
  pthread_t t;
  pthread_create(&t, NULL, interrupted_opener, &mode);
  while (!atomic_load(&opener_tid)) usleep(1000);
  // Into the open: a signal before it would find no open to interrupt.
  wait_asleep(atomic_load(&opener_tid), NULL);
  pthread_kill(t, SIGUSR1);
  if (restart) {
    // The handler ran; the peer opens once the open waits again.
    while (!atomic_load(&handled)) usleep(1000);
    wait_asleep(atomic_load(&opener_tid), NULL);
    int w = open(path, mode == O_RDONLY ? O_WRONLY : O_RDONLY);
    check(w >= 0, "peer opens for the restarted open");
    pthread_join(t, NULL);
    check(intr_result >= 0, "SA_RESTART: the open restarts and returns");
    close(intr_result);
    close(w);
  } else {
    pthread_join(t, NULL);
    check(intr_result < 0 && intr_errno == EINTR, "no SA_RESTART: the open fails with EINTR");
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char dir[] = "/tmp/fifoXXXXXX";
  if (!mkdtemp(dir)) return 1;
  snprintf(path, sizeof(path), "%s/f", dir);
  check(mkfifo(path, 0600) == 0, "mkfifo");

  // Reader blocks in open; a thread of this process opens the write end.
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  int fd = open(path, O_RDONLY);
  check(fd >= 0, "blocking read-open returns once a writer opens");
  check((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0, "read end is blocking");
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  check(n == 6 && strcmp(buf, "hello\n") == 0, "line from the writer thread");
  void* rv;
  pthread_join(t, &rv);
  check(rv == NULL, "writer thread");
  check(read(fd, buf, sizeof(buf)) == 0, "EOF after the writer closed");
  close(fd);

  // Writer blocks in open; a thread opens the read end.
  pthread_create(&t, NULL, reader, NULL);
  fd = open(path, O_WRONLY);
  check(fd >= 0, "blocking write-open returns once a reader opens");
  check((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0, "write end is blocking");
  check(write(fd, "world\n", 6) == 6, "write to the reader thread");
  close(fd);
  pthread_join(t, &rv);
  check(rv == NULL, "reader thread");

  // Each open returns when the peer opens, before any byte moves.
  int saw_peer = 0, w;
  pthread_create(&t, NULL, waiting_writer, &saw_peer);
  fd = open(path, O_RDONLY);
  check(fd >= 0, "read-open with a writer that has not written");
  atomic_store(&reader_opened, 1);
  pthread_join(t, &rv);
  check(rv == NULL && saw_peer, "read-open returned when the writer opened, before it wrote");
  check(read(fd, buf, sizeof(buf)) == 5, "the writer's late line");
  close(fd);
  saw_peer = 0;
  pthread_create(&t, NULL, waiting_reader, &saw_peer);
  // Either order must work; this one has the reader open first.
  while (!atomic_load(&waiting_reader_tid)) usleep(1000);
  wait_asleep(atomic_load(&waiting_reader_tid), NULL);
  fd = open(path, O_WRONLY);
  check(fd >= 0, "write-open with a reader that has not read");
  atomic_store(&writer_opened, 1);
  check(write(fd, "abc", 3) == 3, "write to the waiting reader");
  pthread_join(t, &rv);
  check(rv == NULL && saw_peer, "read-open returned when the writer opened");
  close(fd);

  // Leftover data does not stand for a writer.
  int keeper = open(path, O_RDONLY | O_NONBLOCK);
  w = open(path, O_WRONLY | O_NONBLOCK);
  check(keeper >= 0 && w >= 0 && write(w, "left", 4) == 4, "data left by a writer");
  close(w);
  int late_fd = -1;
  pthread_create(&t, NULL, late_reader, &late_fd);
  // Blocked in its open, or (wrongly) returned.
  while (!atomic_load(&late_reader_tid)) usleep(1000);
  wait_asleep(atomic_load(&late_reader_tid), &late_reader_returned);
  check(!atomic_load(&late_reader_returned), "read-open with leftover data waits for a writer");
  w = open(path, O_WRONLY);
  pthread_join(t, NULL);
  check(late_fd >= 0 && read(late_fd, buf, sizeof(buf)) == 4, "then returns when one opens; the data is there");
  close(late_fd);
  close(w);
  close(keeper);

  // Non-blocking opens.
  fd = open(path, O_RDONLY | O_NONBLOCK);
  check(fd >= 0, "O_NONBLOCK read-open with no writer");
  check((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "O_NONBLOCK kept");
  check(read(fd, buf, sizeof(buf)) == 0, "read with no writer ever is EOF");
  w = open(path, O_WRONLY | O_NONBLOCK);
  check(w >= 0, "O_NONBLOCK write-open with a reader");
  close(w);
  close(fd);
  errno = 0;
  check(open(path, O_WRONLY | O_NONBLOCK) < 0 && errno == ENXIO, "O_NONBLOCK write-open with no reader: ENXIO");

  // O_RDWR never blocks.
  fd = open(path, O_RDWR);
  check(fd >= 0, "O_RDWR open");
  check(write(fd, "x", 1) == 1 && read(fd, buf, 1) == 1 && buf[0] == 'x', "O_RDWR round trip");
  close(fd);

  signal_during_open(0, O_RDONLY);
  signal_during_open(1, O_RDONLY);
  signal_during_open(0, O_WRONLY);
  signal_during_open(1, O_WRONLY);
  // The interrupted opens left no reader or writer behind.
  errno = 0;
  check(open(path, O_WRONLY | O_NONBLOCK) < 0 && errno == ENXIO, "no reader left after the signals");

  unlink(path);
  rmdir(dir);
  return 0;
}
