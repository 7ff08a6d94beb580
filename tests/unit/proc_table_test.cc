// The container's process table: pid allocation, groups, lookups.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>

#include <memory>

#include "libos/proc/process_table.h"

using namespace junction::libos::proc;

TEST_CASE("process table: init is pid 1 in its own group and session") {
  auto t = std::make_unique<Table>();
  InitTable(t.get(), 5000, 4000);
  Entry* e = FindPid(t.get(), 1);
  REQUIRE(e);
  CHECK(e->host_pid.load() == 5000);
  CHECK(e->pgid.load() == 1);
  CHECK(e->sid.load() == 1);
  CHECK(e->ppid.load() == 0);
  CHECK(ContainerPidOf(t.get(), 5000) == 1);
  CHECK(ContainerPidOf(t.get(), 5001) == 0);
  CHECK(HostPgidOf(t.get(), 1) == 4000);
}

TEST_CASE("process table: children inherit group and session, pids and tids never collide") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  int a = ReserveLocked(t.get(), 1);
  int tid = AllocateTidLocked(t.get());
  int b = ReserveLocked(t.get(), a);
  UnlockTable(t.get());
  CHECK(a == 2);
  CHECK(tid == 3);
  CHECK(b == 4);
  Entry* eb = FindPid(t.get(), b);
  REQUIRE(eb);
  CHECK(eb->state.load() == kReserved);
  CHECK(eb->ppid.load() == a);
  CHECK(eb->pgid.load() == 1);
  CHECK(eb->sid.load() == 1);
  eb->host_pid.store(123456);
  eb->state.store(kRunning);
  CHECK(ContainerPidOf(t.get(), 123456) == b);
  CHECK(FindHostPid(t.get(), 123456) == eb);
}

TEST_CASE("process table: a full table collects entries of dead host processes") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  for (int i = 1; i < kMaxProcesses; i++) {
    int pid = ReserveLocked(t.get(), 1);
    REQUIRE(pid > 0);
    Entry* e = FindPid(t.get(), pid);
    e->host_pid.store(self);  // alive
    e->state.store(kRunning);
  }
  CHECK(ReserveLocked(t.get(), 1) == -EAGAIN);
  // One of them turns out to be gone (a host pid nobody has).
  FindPid(t.get(), 10)->host_pid.store(kPidMax + 1000);
  int pid = ReserveLocked(t.get(), 1);
  CHECK(pid > 0);
  UnlockTable(t.get());
}

TEST_CASE("process table: pids wrap and skip ids still used as groups") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  int a = ReserveLocked(t.get(), 1);  // 2
  FindPid(t.get(), a)->pgid.store(3);
  t->next_pid.store(kPidMax - 1);
  CHECK(AllocateTidLocked(t.get()) == 4);  // wraps to 2: taken by a; 3: a group
  UnlockTable(t.get());
}

TEST_CASE("process table: before the first wrap, pids are handed out in order without a scan") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  CHECK(t->pids_wrapped.load() == 0);
  int a = AllocateTidLocked(t.get());
  CHECK(AllocateTidLocked(t.get()) == a + 1);
  t->next_pid.store(kPidMax - 1);
  CHECK(AllocateTidLocked(t.get()) == 2);
  CHECK(t->pids_wrapped.load() == 1);
  UnlockTable(t.get());
}

TEST_CASE("process table: threads name their running process until forgotten") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  int a = ReserveLocked(t.get(), 1);
  FindPid(t.get(), a)->host_pid.store(self);
  FindPid(t.get(), a)->state.store(kRunning);
  int t1 = AllocateTidLocked(t.get());
  int t2 = t1 + kMaxThreads;  // the same home slot: probes past t1
  REQUIRE(AddThreadLocked(t.get(), t1, a));
  REQUIRE(AddThreadLocked(t.get(), t2, a));
  CHECK(ThreadOwner(t.get(), t1) == a);
  CHECK(ThreadOwner(t.get(), t2) == a);
  CHECK(ThreadOwner(t.get(), a) == 0);  // a process, not a thread
  RemoveThread(t.get(), t1);
  CHECK(ThreadOwner(t.get(), t1) == 0);
  CHECK(ThreadOwner(t.get(), t2) == a);  // found past the freed slot
  // Its process exited: a zombie has no threads.
  FindPid(t.get(), a)->state.store(kExited);
  CHECK(ThreadOwner(t.get(), t2) == 0);
  FindPid(t.get(), a)->state.store(kRunning);
  RemoveThreadsOfLocked(t.get(), a);
  CHECK(ThreadOwner(t.get(), t2) == 0);
  UnlockTable(t.get());
}

TEST_CASE("process table: after a wrap, ids of live threads are not handed out") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  REQUIRE(AddThreadLocked(t.get(), 2, 1));
  t->next_pid.store(kPidMax - 1);
  CHECK(AllocateTidLocked(t.get()) == 3);
  UnlockTable(t.get());
}

TEST_CASE("process table: full thread slots reclaim those of processes gone") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  for (int i = 0; i < kMaxThreads; i++) REQUIRE(AddThreadLocked(t.get(), 100 + i, i % 2 ? 1 : 77));
  // pid 77 does not run: its half is reclaimed.
  CHECK(AddThreadLocked(t.get(), 100 + kMaxThreads, 1));
  CHECK(ThreadOwner(t.get(), 101) == 1);
  CHECK(ThreadOwner(t.get(), 100) == 0);
  for (int i = 1; i < kMaxThreads / 2; i++) REQUIRE(AddThreadLocked(t.get(), 200000 + i, 1));
  CHECK(!AddThreadLocked(t.get(), 300000, 1));  // every slot a running process's
  UnlockTable(t.get());
}

TEST_CASE("process table: tasks' scheduling attributes: defaults at zero, recorded at reserve and add") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  SchedAttrs init = FindPid(t.get(), 1)->sched.Load();
  CHECK(init.nice == 0);
  CHECK(init.policy == 0);
  CHECK(init.rt_priority == 0);
  CHECK(!init.reset_on_fork);
  CHECK(init.affinity == ~uint64_t{0});
  SchedAttrs s;
  s.nice = -20;
  s.policy = 2;
  s.rt_priority = 99;
  s.reset_on_fork = true;
  s.affinity = 0x5;
  LockTable(t.get(), self);
  int a = ReserveLocked(t.get(), 1, s);
  int tid = AllocateTidLocked(t.get());
  s.nice = 19;
  REQUIRE(AddThreadLocked(t.get(), tid, a, s));
  UnlockTable(t.get());
  SchedAttrs main = FindPid(t.get(), a)->sched.Load();
  CHECK(main.nice == -20);
  CHECK(main.policy == 2);
  CHECK(main.rt_priority == 99);
  CHECK(main.reset_on_fork);
  CHECK(main.affinity == 0x5);
  FindPid(t.get(), a)->state.store(kRunning);
  ThreadSlot* slot = LiveThreadSlot(t.get(), tid);
  REQUIRE(slot != nullptr);
  CHECK(slot->sched.Load().nice == 19);
  CHECK(LiveThreadSlot(t.get(), a) == nullptr);  // a process, not a thread
}
