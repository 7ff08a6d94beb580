// Suite `sysv`: System V IPC — natively (the kernel's) and under the LibOS
// (the container-wide registry, docs/ipc.md "System V IPC").
//
//   sem_procs     a parent and a forked child bounce a semaphore pair
//                 (V the other's, P one's own): a round trip across processes
//   msg_procs     the same with one message each way on one queue (by type)
//   futex_procs   the same with a non-private futex in a MAP_SHARED page
//                 (process-shared mutexes, condvars, sem_t wake this way)
//   sem_uncontended  one process: semop +1 then -1 (ns per semop)
//   shmat_shmdt   one process: attach and detach a 1 MiB segment
#include <linux/futex.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <new>

#include "bench/bench.h"
#include "bench/process.h"

namespace junction::bench {

namespace {

void OnAlarm(int) {}

// The parent's side of a round trip with a forked child: its blocking
// calls are interrupted (EINTR) every 100 ms, so a child that exited early
// ends the measurement instead of leaving the parent waiting for ever.
class ChildWatch {
 public:
  explicit ChildWatch(pid_t child) : child_(child) {
    struct sigaction sa{};
    sa.sa_handler = OnAlarm;  // no SA_RESTART: the call returns EINTR
    sigaction(SIGALRM, &sa, &old_);
    itimerval every{{0, 100000}, {0, 100000}};
    setitimer(ITIMER_REAL, &every, nullptr);
  }
  ~ChildWatch() {
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
    sigaction(SIGALRM, &old_, nullptr);
    if (!reaped_) ChildOk();
  }
  ChildWatch(const ChildWatch&) = delete;
  ChildWatch& operator=(const ChildWatch&) = delete;

  // Runs `call` (a System V call: < 0 on failure) until it succeeds; false
  // if it failed otherwise than by the timer, or the child is gone.
  template <typename F>
  bool Do(F call) {
    for (;;) {
      if (call() >= 0) return true;
      if (errno != EINTR || reaped_) return false;
      int st = 0;
      if (waitpid(child_, &st, WNOHANG) == child_) {
        reaped_ = true;
        status_ = st;
        return false;
      }
    }
  }

  // Reaps the child (if not yet): it exited with status 0.
  bool ChildOk() {
    if (child_ <= 0) return false;
    if (!reaped_) {
      itimerval off{};
      setitimer(ITIMER_REAL, &off, nullptr);
      reaped_ = waitpid(child_, &status_, 0) == child_;
    }
    return reaped_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
  }

 private:
  pid_t child_;
  bool reaped_ = false;
  int status_ = 0;
  struct sigaction old_{};
};

Measurement SemProcs(const Context& ctx) {
  int id = semget(IPC_PRIVATE, 2, 0600);
  if (id < 0) return {0, "semget failed"};
  pid_t pid = fork();
  if (pid == 0) {
    sembuf p = {0, -1, 0}, v = {1, 1, 0};
    for (uint64_t i = 0; i < ctx.iterations; i++)
      if (semop(id, &p, 1) || semop(id, &v, 1)) _exit(1);
    _exit(0);
  }
  ChildWatch watch(pid);
  sembuf p = {1, -1, 0}, v = {0, 1, 0};
  int64_t start = NowNs();
  uint64_t done = 0;
  for (; done < ctx.iterations; done++)
    if (!watch.Do([&] { return semop(id, &v, 1); }) || !watch.Do([&] { return semop(id, &p, 1); })) break;
  int64_t end = NowNs();
  semctl(id, 0, IPC_RMID);
  if (!watch.ChildOk() || done != ctx.iterations) return {0, "semaphore round trip failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

struct Msg {
  long type;
  char text[8];
};

Measurement MsgProcs(const Context& ctx) {
  int id = msgget(IPC_PRIVATE, 0600);
  if (id < 0) return {0, "msgget failed"};
  pid_t pid = fork();
  if (pid == 0) {
    Msg m{};
    for (uint64_t i = 0; i < ctx.iterations; i++) {
      if (msgrcv(id, &m, sizeof(m.text), 1, 0) < 0) _exit(1);
      m.type = 2;
      if (msgsnd(id, &m, sizeof(m.text), 0)) _exit(1);
    }
    _exit(0);
  }
  ChildWatch watch(pid);
  Msg m{1, "ping"};
  int64_t start = NowNs();
  uint64_t done = 0;
  for (; done < ctx.iterations; done++) {
    m.type = 1;
    if (!watch.Do([&] { return msgsnd(id, &m, sizeof(m.text), 0); }) ||
        !watch.Do([&] { return msgrcv(id, &m, sizeof(m.text), 2, 0); }))
      break;
  }
  int64_t end = NowNs();
  msgctl(id, IPC_RMID, nullptr);
  if (!watch.ChildOk() || done != ctx.iterations) return {0, "message round trip failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

// The token: 1 = the child's turn, 0 = the parent's.
long FutexWait(std::atomic<uint32_t>* w, uint32_t val) {
  long r = syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), FUTEX_WAIT, val, nullptr, nullptr, 0);
  return r < 0 && errno == EAGAIN ? 0 : r;  // changed meanwhile: no wait needed
}
void FutexWake(std::atomic<uint32_t>* w) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

Measurement FutexProcs(const Context& ctx) {
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return {0, "mmap failed"};
  auto* turn = new (page) std::atomic<uint32_t>(0);
  pid_t pid = fork();
  if (pid == 0) {
    for (uint64_t i = 0; i < ctx.iterations; i++) {
      while (turn->load() != 1)
        if (FutexWait(turn, 0) < 0 && errno != EINTR) _exit(1);
      turn->store(0);
      FutexWake(turn);
    }
    _exit(0);
  }
  ChildWatch watch(pid);
  int64_t start = NowNs();
  uint64_t done = 0;
  bool ok = true;
  for (; ok && done < ctx.iterations; done++) {
    turn->store(1);
    FutexWake(turn);
    while (ok && turn->load() == 1) ok = watch.Do([&] { return FutexWait(turn, 1); });
    if (!ok) break;
  }
  int64_t end = NowNs();
  bool child_ok = watch.ChildOk();
  munmap(page, 4096);
  if (!child_ok || done != ctx.iterations) return {0, "futex round trip failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

Measurement SemUncontended(const Context& ctx) {
  int id = semget(IPC_PRIVATE, 1, 0600);
  if (id < 0) return {0, "semget failed"};
  sembuf up = {0, 1, 0}, down = {0, -1, 0};
  int64_t start = NowNs();
  uint64_t done = 0;
  for (; done < ctx.iterations; done++)
    if (semop(id, &up, 1) || semop(id, &down, 1)) break;
  int64_t end = NowNs();
  semctl(id, 0, IPC_RMID);
  if (done != ctx.iterations) return {0, "semop failed"};
  return {static_cast<double>(end - start) / static_cast<double>(2 * done), ""};
}

Measurement ShmatShmdt(const Context& ctx) {
  int id = shmget(IPC_PRIVATE, 1 << 20, 0600);
  if (id < 0) return {0, "shmget failed"};
  int64_t start = NowNs();
  uint64_t done = 0;
  for (; done < ctx.iterations; done++) {
    void* p = shmat(id, nullptr, 0);
    if (p == reinterpret_cast<void*>(-1) || shmdt(p)) break;
  }
  int64_t end = NowNs();
  shmctl(id, IPC_RMID, nullptr);
  if (done != ctx.iterations) return {0, "shmat/shmdt failed"};
  return {static_cast<double>(end - start) / static_cast<double>(done), ""};
}

constexpr Benchmark kSysv[] = {
    {"sysv", "sem_procs", "ns/rtt", Where::kWorker, 2000, SemProcs,
     "parent and forked child bounce a semaphore pair (cross-process wake-ups)"},
    {"sysv", "msg_procs", "ns/rtt", Where::kWorker, 2000, MsgProcs,
     "parent and forked child bounce a message by type over one queue"},
    {"sysv", "futex_procs", "ns/rtt", Where::kWorker, 2000, FutexProcs,
     "parent and forked child bounce a token through a futex in a MAP_SHARED page"},
    {"sysv", "sem_uncontended", "ns/op", Where::kWorker, 100000, SemUncontended,
     "one process: semop +1 and -1 on one semaphore"},
    {"sysv", "shmat_shmdt", "ns/op", Where::kWorker, 5000, ShmatShmdt,
     "one process: attach and detach a 1 MiB segment"},
};

}  // namespace

std::span<const Benchmark> SysvSuite() { return kSysv; }

}  // namespace junction::bench
