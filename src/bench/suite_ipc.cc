// Suite `ipc`: waking another thread through a file descriptor — natively
// (kernel pipes, eventfd, epoll) and under the LibOS (in-process objects
// and uthreads). Both sides run pinned to one vCPU (the runner pins).
//
//   pipe_pingpong   two threads bounce one byte over two pipes (round trip)
//   eventfd_epoll   a thread blocked in epoll_wait on an eventfd is woken by
//                   a write; it answers through a second eventfd (round trip)
//   signalfd_wake   a thread blocked reading a signalfd is woken by tgkill;
//                   it answers with tgkill to the first one's signalfd
//   fifo_open       two threads meet on a FIFO: blocking O_WRONLY and
//                   O_RDONLY opens (one waits for the other's), a byte,
//                   closes, an acknowledgement over a pipe (a round)
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "bench/bench.h"
#include "bench/process.h"

namespace junction::bench {

namespace {

struct Pipes {
  int ping[2];
  int pong[2];
  uint64_t rounds;
};

void* PipePartner(void* arg) {
  auto* p = static_cast<Pipes*>(arg);
  char c;
  for (uint64_t i = 0; i < p->rounds; i++) {
    if (read(p->ping[0], &c, 1) != 1 || write(p->pong[1], &c, 1) != 1) break;
  }
  return nullptr;
}

Measurement PipePingPong(const Context& ctx) {
  Pipes p{};
  p.rounds = ctx.iterations;
  if (pipe(p.ping) || pipe(p.pong)) return {0, "pipe failed"};
  pthread_t t;
  if (pthread_create(&t, nullptr, PipePartner, &p) != 0) return {0, "pthread_create failed"};
  int64_t start = NowNs();
  char c = 'x';
  uint64_t done = 0;
  for (; done < ctx.iterations; done++)
    if (write(p.ping[1], &c, 1) != 1 || read(p.pong[0], &c, 1) != 1) break;
  int64_t end = NowNs();
  pthread_join(t, nullptr);
  for (int fd : {p.ping[0], p.ping[1], p.pong[0], p.pong[1]}) close(fd);
  if (done != ctx.iterations) return {0, "pipe round trip failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

struct Events {
  int to_partner;
  int to_main;
  uint64_t rounds;
};

void* EpollPartner(void* arg) {
  auto* e = static_cast<Events*>(arg);
  int ep = epoll_create1(0);
  epoll_event ev{EPOLLIN, {.fd = e->to_partner}};
  epoll_ctl(ep, EPOLL_CTL_ADD, e->to_partner, &ev);
  uint64_t v = 1;
  for (uint64_t i = 0; i < e->rounds; i++) {
    epoll_event out;
    if (epoll_wait(ep, &out, 1, -1) != 1) break;
    if (read(e->to_partner, &v, sizeof(v)) != sizeof(v)) break;
    if (write(e->to_main, &v, sizeof(v)) != sizeof(v)) break;
  }
  close(ep);
  return nullptr;
}

Measurement EventfdEpoll(const Context& ctx) {
  Events e{eventfd(0, 0), eventfd(0, 0), ctx.iterations};
  if (e.to_partner < 0 || e.to_main < 0) return {0, "eventfd failed"};
  pthread_t t;
  if (pthread_create(&t, nullptr, EpollPartner, &e) != 0) return {0, "pthread_create failed"};
  int64_t start = NowNs();
  uint64_t v = 1, done = 0;
  for (; done < ctx.iterations; done++)
    if (write(e.to_partner, &v, sizeof(v)) != sizeof(v) || read(e.to_main, &v, sizeof(v)) != sizeof(v))
      break;
  int64_t end = NowNs();
  pthread_join(t, nullptr);
  close(e.to_partner);
  close(e.to_main);
  if (done != ctx.iterations) return {0, "eventfd round trip failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

struct Signals {
  pid_t main_tid = 0, partner_tid = 0;
  int main_fd = -1;
  uint64_t rounds;
  volatile bool ready = false;
};

int SignalFdFor(int sig) {
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, sig);
  return signalfd(-1, &m, SFD_CLOEXEC);
}

void* SignalPartner(void* arg) {
  auto* s = static_cast<Signals*>(arg);
  int fd = SignalFdFor(SIGUSR1);
  s->partner_tid = static_cast<pid_t>(syscall(SYS_gettid));
  __atomic_store_n(&s->ready, true, __ATOMIC_RELEASE);
  signalfd_siginfo si;
  for (uint64_t i = 0; i < s->rounds; i++) {
    if (read(fd, &si, sizeof(si)) != sizeof(si)) break;
    syscall(SYS_tgkill, getpid(), s->main_tid, SIGUSR2);
  }
  close(fd);
  return nullptr;
}

Measurement SignalfdWake(const Context& ctx) {
  // Both signals stay blocked: they are only ever read from signalfds.
  sigset_t both, old;
  sigemptyset(&both);
  sigaddset(&both, SIGUSR1);
  sigaddset(&both, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &both, &old);
  Signals s;
  s.rounds = ctx.iterations;
  s.main_tid = static_cast<pid_t>(syscall(SYS_gettid));
  s.main_fd = SignalFdFor(SIGUSR2);
  pthread_t t;
  if (s.main_fd < 0 || pthread_create(&t, nullptr, SignalPartner, &s) != 0) return {0, "signalfd failed"};
  while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE)) sched_yield();
  int64_t start = NowNs();
  uint64_t done = 0;
  signalfd_siginfo si;
  for (; done < ctx.iterations; done++)
    if (syscall(SYS_tgkill, getpid(), s.partner_tid, SIGUSR1) != 0 ||
        read(s.main_fd, &si, sizeof(si)) != sizeof(si))
      break;
  int64_t end = NowNs();
  pthread_join(t, nullptr);
  close(s.main_fd);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (done != ctx.iterations) return {0, "signalfd round trip failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

struct FifoRounds {
  char path[64];
  int ack[2];
  uint64_t rounds;
};

void* FifoReader(void* arg) {
  auto* f = static_cast<FifoRounds*>(arg);
  char c;
  for (uint64_t i = 0; i < f->rounds; i++) {
    int fd = open(f->path, O_RDONLY);
    if (fd < 0) break;
    // The byte, then end-of-file: the writer has closed, so the next
    // round's opens both wait again.
    bool ok = read(fd, &c, 1) == 1 && read(fd, &c, 1) == 0;
    close(fd);
    if (!ok || write(f->ack[1], &c, 1) != 1) break;
  }
  return nullptr;
}

Measurement FifoOpen(const Context& ctx) {
  FifoRounds f{};
  f.rounds = ctx.iterations;
  char dir[] = "/tmp/junction-bench-fifoXXXXXX";
  if (!mkdtemp(dir)) return {0, "mkdtemp failed"};
  std::snprintf(f.path, sizeof(f.path), "%s/f", dir);
  if (mkfifo(f.path, 0600) != 0 || pipe(f.ack) != 0) return {0, "mkfifo failed"};
  pthread_t t;
  if (pthread_create(&t, nullptr, FifoReader, &f) != 0) return {0, "pthread_create failed"};
  int64_t start = NowNs();
  uint64_t done = 0;
  char c = 'x';
  for (; done < ctx.iterations; done++) {
    int fd = open(f.path, O_WRONLY);
    if (fd < 0) break;
    bool ok = write(fd, &c, 1) == 1;
    close(fd);
    if (!ok || read(f.ack[0], &c, 1) != 1) break;
  }
  int64_t end = NowNs();
  if (done != ctx.iterations) {
    // Let a reader blocked in open finish.
    int fd = open(f.path, O_WRONLY | O_NONBLOCK);
    if (fd >= 0) close(fd);
  }
  pthread_join(t, nullptr);
  close(f.ack[0]);
  close(f.ack[1]);
  unlink(f.path);
  rmdir(dir);
  if (done != ctx.iterations) return {0, "FIFO round failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

constexpr Benchmark kIpc[] = {
    {"ipc", "pipe_pingpong", "ns/rtt", Where::kWorker, 20000, PipePingPong,
     "two threads, one byte each way over two pipes"},
    {"ipc", "eventfd_epoll", "ns/rtt", Where::kWorker, 20000, EventfdEpoll,
     "epoll_wait on an eventfd woken by a write, answered by another eventfd"},
    {"ipc", "signalfd_wake", "ns/rtt", Where::kWorker, 5000, SignalfdWake,
     "a thread reading a signalfd woken by tgkill, answering the same way"},
    {"ipc", "fifo_open", "ns/round", Where::kWorker, 500, FifoOpen,
     "two threads meet on a FIFO: blocking write- and read-opens, a byte, closes, a pipe ack"},
};

}  // namespace

std::span<const Benchmark> IpcSuite() { return kIpc; }

}  // namespace junction::bench
