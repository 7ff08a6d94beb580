// Opening a FIFO: a blocking O_RDONLY open in one thread waits for another
// thread of the same process to open the write end (on one kthread too),
// O_NONBLOCK read-open succeeds at once, O_NONBLOCK write-open without a
// reader is ENXIO, O_RDWR never blocks, a blocking write-open waits for a
// reader, and the description is blocking again afterwards.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[256];

static void check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) exit(1);
}

static void* writer(void* arg) {
  (void)arg;
  usleep(50000);  // let the reader reach its open first (either order must work)
  int fd = open(path, O_WRONLY);
  if (fd < 0) return (void*)1;
  if (write(fd, "hello\n", 6) != 6) return (void*)2;
  close(fd);
  return NULL;
}

static void* reader(void* arg) {
  (void)arg;
  usleep(50000);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return (void*)1;
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  return (n == 6 && strcmp(buf, "world\n") == 0) ? NULL : (void*)2;
}

static atomic_int opening;
static int intr_result, intr_errno;

static void on_usr1(int sig) { (void)sig; }

static void* interrupted_reader(void* arg) {
  (void)arg;
  atomic_store(&opening, 1);
  intr_result = open(path, O_RDONLY);
  intr_errno = errno;
  return NULL;
}

// A signal reaches a thread blocked in a read-open: EINTR without
// SA_RESTART; with it the open restarts and returns once a writer opens.
static void signal_during_open(int restart) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGUSR1, &sa, NULL);
  atomic_store(&opening, 0);
  pthread_t t;
  pthread_create(&t, NULL, interrupted_reader, NULL);
  while (!atomic_load(&opening)) usleep(1000);
  usleep(100000);  // into the open (an earlier signal would be lost to the check)
  pthread_kill(t, SIGUSR1);
  if (restart) {
    usleep(50000);
    int w = open(path, O_WRONLY);
    check(w >= 0, "writer opens for the restarted reader");
    // A byte first: under Junction a reader's open sees a writer only once
    // it writes or closes (docs/filesystem.md, FIFOs).
    check(write(w, "z", 1) == 1, "write for the restarted reader");
    pthread_join(t, NULL);
    check(intr_result >= 0, "SA_RESTART: the read-open restarts and returns");
    close(intr_result);
    close(w);
  } else {
    pthread_join(t, NULL);
    check(intr_result < 0 && intr_errno == EINTR, "no SA_RESTART: the read-open fails with EINTR");
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

  // Non-blocking opens.
  fd = open(path, O_RDONLY | O_NONBLOCK);
  check(fd >= 0, "O_NONBLOCK read-open with no writer");
  check((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "O_NONBLOCK kept");
  check(read(fd, buf, sizeof(buf)) == 0, "read with no writer ever is EOF");
  int w = open(path, O_WRONLY | O_NONBLOCK);
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

  signal_during_open(0);
  signal_during_open(1);

  unlink(path);
  rmdir(dir);
  return 0;
}
