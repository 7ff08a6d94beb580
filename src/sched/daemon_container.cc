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

int DaemonContainer::PickSlotFor(int core) const {
  uint32_t first_slots = region.slots();
  bool have_signals = signals.size() == slot_core.size();
  // The first process's kthreads share its work (they steal from each
  // other): a free one with work queued (a uthread pinned there by its
  // affinity cannot be stolen), else the one that held this core last,
  // else any.
  int first = -1, first_queued = -1;
  uint64_t first_wait = 0, queued_wait = 0;
  bool first_work = false;
  for (size_t i = 0; i < first_slots; i++) {
    if (have_signals) {
      first_wait = std::max(first_wait, signals[i].queue_delay_ns);
      first_work |= signals[i].runnable > 0 || signals[i].queue_delay_ns > 0;
    }
    if (slot_core[i] >= 0) continue;
    if (have_signals && signals[i].runnable > 0 &&
        (first_queued < 0 || signals[i].queue_delay_ns > queued_wait)) {
      first_queued = static_cast<int>(i);
      queued_wait = signals[i].queue_delay_ns;
    }
    if (slot_last_core[i] == core) first = static_cast<int>(i);
    else if (first < 0) first = static_cast<int>(i);
  }
  if (first_queued >= 0) first = first_queued;
  // A forked process's kthread runs only its own process's work: it gets
  // a core only when it has some, the one waiting longest first.
  int member = -1;
  uint64_t member_wait = 0;
  for (size_t i = first_slots; have_signals && i < slot_core.size(); i++) {
    const SlotSignals& s = signals[i];
    if (!member_in_use[i - first_slots] || slot_core[i] >= 0) continue;
    bool work = s.runnable > 0 || s.queue_delay_ns > 0 || s.timer_lateness_ns > 0;
    if (!work) continue;
    if (member < 0 || s.queue_delay_ns > member_wait) {
      member = static_cast<int>(i);
      member_wait = s.queue_delay_ns;
    }
  }
  if (member >= 0 && (first < 0 || !first_work || member_wait > first_wait)) return member;
  return first;
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
  for (int32_t m : member_pid)
    if (m > 0) {
      s.pids.push_back(m);
      s.scheduled_pids.push_back(m);
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
