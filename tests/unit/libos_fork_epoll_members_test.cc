// A fork with other kthreads holds the locks of the descriptions in the
// table, and of the LibOS members of epoll instances there: a member whose
// last descriptor another kthread closed while its epoll_wait polled it
// lives on through that call's reference (in the child too, where the call
// never ends), so a lock of it held at the fork would never be free in the
// child, whose epoll_wait takes it.
#include <doctest/doctest.h>

#include <sys/epoll.h>

#include "libos/fs/fd_table.h"
#include "libos/ipc/epoll.h"
#include "libos/ipc/pipe.h"

namespace junction::libos {
namespace {

// Whether another holds `l` (left as it was found).
bool Held(sched::SpinLock& l) {
  if (!l.try_lock()) return true;
  l.unlock();
  return false;
}

TEST_CASE("fork locks: the members of an epoll in the table, closed ones included") {
  fs::FdTable& table = fs::FdTable::Get();
  auto ep = std::make_shared<ipc::Epoll>();
  auto inner = std::make_shared<ipc::Epoll>();  // nested: its members too
  auto [rd, wr] = ipc::MakePipe(0);
  auto [rd2, wr2] = ipc::MakePipe(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  REQUIRE(ep->Ctl(EPOLL_CTL_ADD, 100, rd, &ev).ok());
  REQUIRE(ep->Ctl(EPOLL_CTL_ADD, 101, inner, &ev).ok());
  REQUIRE(inner->Ctl(EPOLL_CTL_ADD, 102, rd2, &ev).ok());
  // Only the outer epoll has a descriptor; the members live on through
  // references like an epoll_wait's (here the test's).
  auto fd = table.Insert(ep, false);
  REQUIRE(fd.ok());
  std::vector<sched::SpinLock*> held;
  std::vector<fs::FilePtr> members;
  table.ForkLock();
  bool locked = table.TryLockFilesForFork(held, members);
  bool member_held = Held(rd->hub().fork_lock());
  bool nested_held = Held(inner->hub().fork_lock());
  bool nested_member_held = Held(rd2->hub().fork_lock());
  if (locked) fs::FdTable::UnlockFilesAfterFork(held);
  table.ForkUnlock();
  members.clear();
  CHECK(locked);
  CHECK(member_held);
  CHECK(nested_held);
  CHECK(nested_member_held);
  // A lock another thread holds: the fork takes none and tries again.
  rd2->hub().fork_lock().lock();
  table.ForkLock();
  bool locked_busy = table.TryLockFilesForFork(held, members);
  bool outer_free = !Held(ep->hub().fork_lock());
  table.ForkUnlock();
  members.clear();
  rd2->hub().fork_lock().unlock();
  CHECK(!locked_busy);
  CHECK(held.empty());
  CHECK(outer_free);
  REQUIRE(table.Close(*fd).ok());
}

}  // namespace
}  // namespace junction::libos
