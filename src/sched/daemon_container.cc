#include "sched/daemon_container.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "sched/status_format.h"

namespace junction::sched {

namespace {

// The parent of host process `pid` (from /proc), or -1.
int HostParent(int pid) {
  char path[64], buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  // "pid (comm) state ppid ...": comm may hold anything but its last ')'.
  char* p = std::strrchr(buf, ')');
  int ppid = -1;
  if (p == nullptr || std::sscanf(p + 1, " %*c %d", &ppid) != 1) return -1;
  return ppid;
}

}  // namespace

bool DescendsFrom(int pid, int ancestor) {
  for (int depth = 0; depth < 256 && pid > 1; depth++) {
    if (pid == ancestor) return true;
    pid = HostParent(pid);
  }
  return false;
}

DaemonContainer::DaemonContainer(ShmRegion r) : region(std::move(r)) {
  size_t n = region.total_slots();
  slot_core.assign(n, -1);
  // Grant sequence numbers start anywhere: a kthread that acknowledged
  // grant n of a previous daemon must not take this daemon's grant n
  // for the one it gave back.
  slot_seq.assign(n, static_cast<uint32_t>(MonotonicNowNs() >> 10));
  slot_last_core.assign(n, -1);
  member_pid.assign(kMemberSlots, 0);
  member_in_use.assign(kMemberSlots, false);
  // Tokens, like grant numbers, start anywhere: a kthread of a previous
  // daemon's must not find its own in a slot given to a sibling.
  last_member_token = static_cast<uint32_t>(MonotonicNowNs() >> 10);
}

DaemonContainer::~DaemonContainer() {
  if (pidfd >= 0) close(pidfd);
  if (doorbell_fd >= 0) close(doorbell_fd);
}

int DaemonContainer::held_cores() const {
  int n = 0;
  for (int c : slot_core) n += c >= 0 ? 1 : 0;
  return n;
}

namespace {

// A unit of a container for a grant: its first process, or one forked
// process. Its kthreads steal from each other, so the work queued on any
// of its slots (held ones included) is work for any of its free slots.
struct UnitPick {
  bool work = false;  // queued on any of its slots
  uint64_t wait = 0;  // the longest queue delay among them
  int slot = -1;      // the free slot to grant (-1: none free)
};

}  // namespace

int DaemonContainer::PickSlotFor(int core) const {
  size_t first_slots = region.slots();
  bool have_signals = signals.size() == slot_core.size();
  // `in_unit(i)`: slot i is one of the unit's. `timers`: a late timer is
  // work (a forked process publishes no next timer: it is).
  auto pick = [&](auto in_unit, size_t from, size_t to, bool timers) {
    UnitPick u;
    int queued = -1, local = -1, any = -1;
    uint64_t queued_wait = 0;
    for (size_t i = from; i < to; i++) {
      if (!in_unit(i)) continue;
      if (have_signals) {
        const SlotSignals& s = signals[i];
        u.wait = std::max(u.wait, s.queue_delay_ns);
        u.work |= s.runnable > 0 || s.queue_delay_ns > 0 || (timers && s.timer_lateness_ns > 0);
      }
      if (slot_core[i] >= 0) continue;
      // A free one with work queued on it (a uthread pinned there by its
      // affinity cannot be stolen), else the one that held this core last.
      if (have_signals && signals[i].runnable > 0 && (queued < 0 || signals[i].queue_delay_ns > queued_wait)) {
        queued = static_cast<int>(i);
        queued_wait = signals[i].queue_delay_ns;
      }
      if (slot_last_core[i] == core) local = static_cast<int>(i);
      if (any < 0) any = static_cast<int>(i);
    }
    u.slot = queued >= 0 ? queued : local >= 0 ? local : any;
    return u;
  };
  UnitPick first = pick([](size_t) { return true; }, 0, first_slots, false);
  // A forked process's kthreads run only their own process's work: one of
  // its slots gets a core only when it has some, the process waiting
  // longest first.
  int member = -1;
  uint64_t member_wait = 0;
  for (size_t i = first_slots; have_signals && i < slot_core.size(); i++) {
    int32_t pid = member_pid[i - first_slots];
    if (!member_in_use[i - first_slots]) continue;
    // Each process once: at its first slot.
    bool seen = false;
    for (size_t j = first_slots; j < i && !seen; j++)
      seen = member_in_use[j - first_slots] && member_pid[j - first_slots] == pid;
    if (seen) continue;
    UnitPick u = pick([&](size_t j) { return member_in_use[j - first_slots] && member_pid[j - first_slots] == pid; },
                      i, slot_core.size(), true);
    if (!u.work || u.slot < 0) continue;
    if (member < 0 || u.wait > member_wait) {
      member = u.slot;
      member_wait = u.wait;
    }
  }
  if (member >= 0 && (first.slot < 0 || !first.work || member_wait > first.wait)) return member;
  return first.slot;
}

int DaemonContainer::MemberSlotsOf(int32_t pid) const {
  int n = 0;
  for (size_t j = 0; j < member_pid.size(); j++) n += member_in_use[j] && member_pid[j] == pid ? 1 : 0;
  return n;
}

int DaemonContainer::FreeMemberSlotFor(int32_t pid, const char** why) const {
  // As many kthreads as the first process may run: the container's max
  // cores (which bound the cores all its processes hold together).
  if (static_cast<uint32_t>(MemberSlotsOf(pid)) >= info.max) {
    *why = "the process has a kthread slot for each of the container's max cores";
    return -1;
  }
  for (size_t j = 0; j < member_pid.size(); j++)
    if (!member_in_use[j]) return static_cast<int>(region.slots() + j);
  *why = "the container has as many scheduled kthreads of forked processes as it may";
  return -1;
}

uint32_t DaemonContainer::AssignMemberSlot(size_t slot, int32_t pid) {
  uint32_t token = ++last_member_token;
  if (token == 0) token = ++last_member_token;  // 0 is "free"
  KthreadSlot* ks = region.slot(static_cast<uint32_t>(slot));
  ks->yield_requested.store(0, std::memory_order_relaxed);
  ks->grant_seq.store(slot_seq[slot], std::memory_order_relaxed);
  ks->member_pid.store(static_cast<uint32_t>(pid), std::memory_order_relaxed);
  ks->member_token.store(token, std::memory_order_relaxed);
  ks->grant_core.store(kNoCore, std::memory_order_release);
  member_pid[slot - region.slots()] = pid;
  member_in_use[slot - region.slots()] = true;
  slot_core[slot] = -1;
  slot_last_core[slot] = -1;
  return token;
}

void DaemonContainer::FreeMemberSlot(size_t slot) {
  member_pid[slot - region.slots()] = 0;
  member_in_use[slot - region.slots()] = false;
  slot_core[slot] = -1;
  KthreadSlot* ks = region.slot(static_cast<uint32_t>(slot));
  ks->member_pid.store(0, std::memory_order_relaxed);
  ks->member_token.store(0, std::memory_order_relaxed);
  ks->grant_core.store(kStandaloneGrant, std::memory_order_release);
}

int32_t DaemonContainer::SlotPid(size_t slot) const {
  return slot < region.slots() ? pid : member_pid[slot - region.slots()];
}

ContainerStatus DaemonContainer::Status(uint64_t now_ns) const {
  ContainerStatus s;
  s.id = static_cast<uint64_t>(id);
  s.name = info.name;
  s.cls = info.cls;
  s.mode = ContainerMode::kDaemon;
  s.pids = {pid};
  s.scheduled_pids = {pid};
  s.scheduled_cores = {0};
  for (size_t i = 0; i < slot_core.size(); i++) {
    int32_t owner = SlotPid(i);
    if (i >= region.slots() && !member_in_use[i - region.slots()]) continue;
    // (A process with several kthreads once.)
    size_t at = static_cast<size_t>(std::find(s.pids.begin(), s.pids.end(), owner) - s.pids.begin());
    if (at == s.pids.size()) {
      s.pids.push_back(owner);
      s.scheduled_pids.push_back(owner);
      s.scheduled_cores.push_back(0);
    }
    if (slot_core[i] >= 0) s.scheduled_cores[at]++;
  }
  if (info.ip) s.ip = *info.ip;
  s.active = static_cast<uint32_t>(held_cores());
  s.guaranteed = info.guaranteed;
  s.max = info.max;
  s.queue_delay_ns = totals.queue_delay_ns;
  s.queue_delay_p99_ns = delay_stats.Percentile(now_ns, 99);
  if (totals.runnable_published) s.uthreads_runnable = totals.runnable;
  s.uthreads_total = totals.uthreads_total;
  s.preemptions = totals.preemptions;
  s.rss_bytes = ReadRssBytes(pid);
  s.started_unix_ns = started_unix_ns;
  s.command = info.command;
  return s;
}

}  // namespace junction::sched
