// Suite `ipc`: waking another thread through a file descriptor — natively
// (kernel pipes, eventfd, epoll) and under the LibOS (in-process objects
// and uthreads). Both sides run pinned to one vCPU (the runner pins).
//
//   pipe_pingpong   two threads bounce one byte over two pipes (round trip)
//   eventfd_epoll   a thread blocked in epoll_wait on an eventfd is woken by
//                   a write; it answers through a second eventfd (round trip)
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

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

constexpr Benchmark kIpc[] = {
    {"ipc", "pipe_pingpong", "ns/rtt", Where::kWorker, 20000, PipePingPong,
     "two threads, one byte each way over two pipes"},
    {"ipc", "eventfd_epoll", "ns/rtt", Where::kWorker, 20000, EventfdEpoll,
     "epoll_wait on an eventfd woken by a write, answered by another eventfd"},
};

}  // namespace

std::span<const Benchmark> IpcSuite() { return kIpc; }

}  // namespace junction::bench
