#include "sched/daemon_container.h"

#include <unistd.h>

#include "sched/status_format.h"

namespace junction::sched {

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
  int any = -1;
  for (size_t i = 0; i < slot_core.size(); i++) {
    if (slot_core[i] >= 0) continue;
    if (slot_last_core[i] == core) return static_cast<int>(i);
    if (any < 0) any = static_cast<int>(i);
  }
  return any;
}

ContainerStatus DaemonContainer::Status(uint64_t now_ns) const {
  ContainerStatus s;
  s.id = static_cast<uint64_t>(id);
  s.name = info.name;
  s.cls = info.cls;
  s.mode = ContainerMode::kDaemon;
  s.pids = {pid};
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
