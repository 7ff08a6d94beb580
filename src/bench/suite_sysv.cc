// Suite `sysv`: System V IPC — natively (the kernel's) and under the LibOS
// (the container-wide registry, docs/ipc.md "System V IPC").
//
//   sem_procs     a parent and a forked child bounce a semaphore pair
//                 (V the other's, P one's own): a round trip across processes
//   msg_procs     the same with one message each way on one queue (by type)
//   sem_uncontended  one process: semop +1 then -1 (ns per semop)
//   shmat_shmdt   one process: attach and detach a 1 MiB segment
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

#include "bench/bench.h"
#include "bench/process.h"

namespace junction::bench {

namespace {

bool ChildOk(pid_t pid) {
  int st = 0;
  return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

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
  sembuf p = {1, -1, 0}, v = {0, 1, 0};
  int64_t start = NowNs();
  uint64_t done = 0;
  for (; done < ctx.iterations; done++)
    if (semop(id, &v, 1) || semop(id, &p, 1)) break;
  int64_t end = NowNs();
  semctl(id, 0, IPC_RMID);
  if (!ChildOk(pid) || done != ctx.iterations) return {0, "semaphore round trip failed"};
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
  Msg m{1, "ping"};
  int64_t start = NowNs();
  uint64_t done = 0;
  for (; done < ctx.iterations; done++) {
    m.type = 1;
    if (msgsnd(id, &m, sizeof(m.text), 0) || msgrcv(id, &m, sizeof(m.text), 2, 0) < 0) break;
  }
  int64_t end = NowNs();
  msgctl(id, IPC_RMID, nullptr);
  if (!ChildOk(pid) || done != ctx.iterations) return {0, "message round trip failed"};
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
    {"sysv", "sem_uncontended", "ns/op", Where::kWorker, 100000, SemUncontended,
     "one process: semop +1 and -1 on one semaphore"},
    {"sysv", "shmat_shmdt", "ns/op", Where::kWorker, 5000, ShmatShmdt,
     "one process: attach and detach a 1 MiB segment"},
};

}  // namespace

std::span<const Benchmark> SysvSuite() { return kSysv; }

}  // namespace junction::bench
