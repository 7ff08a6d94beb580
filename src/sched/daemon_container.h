// The daemon's bookkeeping for one registered container: its connection,
// pidfd, doorbell, shared region, which core each kthread slot holds, and
// the signals read at the last tick. Owned and touched only by the daemon
// loop thread (the daemon is single-threaded; no locks).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sched/control_message.h"
#include "sched/policy.h"
#include "sched/queue_delay_stats.h"
#include "sched/shm_reader.h"
#include "sched/shm_region.h"
#include "sched/status_format.h"

namespace junction::sched {

struct DaemonContainer {
  ContainerId id = kNoContainer;
  RegisterRequest info;
  int32_t pid = 0;        // the peer's pid from SO_PEERCRED, not the request
  int conn_fd = -1;       // owned by the daemon's connection table
  int pidfd = -1;         // owned
  int doorbell_fd = -1;   // owned (eventfd; the container has a copy)
  ShmRegion region;
  uint64_t started_unix_ns = 0;

  // Per kthread slot: the core it holds (-1), our grant sequence number,
  // and the core it held last (slot-level locality).
  std::vector<int> slot_core;
  std::vector<uint32_t> slot_seq;
  std::vector<int> slot_last_core;

  std::vector<SlotSignals> signals;  // from the last tick
  ContainerSignals totals;
  QueueDelayStats delay_stats;
  bool warned_scribble = false;

  explicit DaemonContainer(ShmRegion r) : region(std::move(r)) {
    slot_core.assign(region.slots(), -1);
    // Grant sequence numbers start anywhere: a kthread that acknowledged
    // grant n of a previous daemon must not take this daemon's grant n
    // for the one it gave back.
    slot_seq.assign(region.slots(), static_cast<uint32_t>(MonotonicNowNs() >> 10));
    slot_last_core.assign(region.slots(), -1);
  }
  DaemonContainer(const DaemonContainer&) = delete;
  DaemonContainer& operator=(const DaemonContainer&) = delete;
  ~DaemonContainer();  // closes pidfd and doorbell

  int held_cores() const;
  // A free slot for a grant of `core`: one that held it last if possible.
  int PickSlotFor(int core) const;
  ContainerStatus Status(uint64_t now_ns) const;
};

}  // namespace junction::sched
