// What a process shows the container's other processes (proc/process_view.h):
// the fork child's entry starts with its parent's view, a reused entry
// with none; a range is read from a host process's memory.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "libos/proc/process_table.h"
#include "libos/proc/process_view.h"

using namespace junction::libos::proc;

TEST_CASE("process view: a child's entry starts with the parent's comm and ranges") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  Entry* init = FindPid(t.get(), 1);
  std::memcpy(init->comm, "bash", 5);
  init->args.addr.store(0x1000);
  init->args.size.store(20);
  init->cwd.addr.store(0x2000);
  init->cwd.size.store(4);
  init->main_state_at.store(0x3000);
  LockTable(t.get(), self);
  int child = ReserveLocked(t.get(), 1);
  UnlockTable(t.get());
  Entry* e = FindPid(t.get(), child);
  REQUIRE(e);
  CHECK(CommOf(*e) == "bash");
  CHECK(e->args.addr.load() == 0x1000);
  CHECK(e->args.size.load() == 20);
  CHECK(e->cwd.addr.load() == 0x2000);
  CHECK(e->args.seq.load() % 2 == 0);
  CHECK(e->main_state_at.load() == 0);  // the child's own, once it runs
}

TEST_CASE("process view: threads of a process are listed ascending, others' not") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  LockTable(t.get(), self);
  int a = ReserveLocked(t.get(), 1);
  int t1 = AllocateTidLocked(t.get());
  int t2 = AllocateTidLocked(t.get());
  int other = AllocateTidLocked(t.get());
  CHECK(AddThreadLocked(t.get(), t2, a));
  CHECK(AddThreadLocked(t.get(), t1, a));
  CHECK(AddThreadLocked(t.get(), other, 1));
  UnlockTable(t.get());
  CHECK(ThreadIdsOf(t.get(), a) == std::vector<int>{t1, t2});
  CHECK(ThreadIdsOf(t.get(), 1) == std::vector<int>{other});
  RemoveThread(t.get(), t1);
  CHECK(ThreadIdsOf(t.get(), a) == std::vector<int>{t2});
}

TEST_CASE("process view: a published range is read from the host process; cmdline as Linux") {
  auto t = std::make_unique<Table>();
  int self = static_cast<int>(getpid());
  InitTable(t.get(), self, self);
  Entry* e = FindPid(t.get(), 1);
  static char strings[] = "prog\0-x\0A=1\0B=2";  // argv then envp, each NUL-ended
  e->args.addr.store(reinterpret_cast<uint64_t>(strings));
  e->args.size.store(8);
  e->env.addr.store(reinterpret_cast<uint64_t>(strings + 8));
  e->env.size.store(8);
  std::string out;
  CHECK(ReadPublished(e->env, self, 1 << 20, &out));
  CHECK(out == std::string("A=1\0B=2\0", 8));
  CHECK(ReadCmdline(*e, self) == std::string("prog\0-x\0", 8));
  // setproctitle: the arguments' final NUL written over; up to the first
  // NUL, on into the environment, with that NUL.
  strings[4] = ' ';
  strings[7] = '!';
  CHECK(ReadCmdline(*e, self) == std::string("prog -x!A=1\0", 12));
  // An odd count (being moved) that never turns even: no answer, no hang.
  e->env.seq.store(1);
  CHECK_FALSE(ReadPublished(e->env, self, 1 << 20, &out));
  // A range the process does not map.
  e->cwd.addr.store(8);
  e->cwd.size.store(4);
  CHECK_FALSE(ReadPublished(e->cwd, self, 1 << 20, &out));
}
