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

  // Per slot (the first process's kthreads, then the member slots): the
  // core it holds (-1), our grant sequence number, and the core it held
  // last (slot-level locality).
  std::vector<int> slot_core;
  std::vector<uint32_t> slot_seq;
  std::vector<int> slot_last_core;

  // Member slots (forked processes, SCHED_JOIN), index i - region.slots():
  // the host pid it is assigned to (0: free), and whether it is (read).
  // A forked process has one per kthread it runs (each its own join
  // connection), at most info.max.
  std::vector<int32_t> member_pid;
  std::vector<bool> member_in_use;
  uint32_t last_member_token;  // AssignMemberSlot's, from a clock reading

  std::vector<SlotSignals> signals;  // from the last tick
  ContainerSignals totals;
  QueueDelayStats delay_stats;
  bool warned_scribble = false;

  explicit DaemonContainer(ShmRegion r);
  DaemonContainer(const DaemonContainer&) = delete;
  DaemonContainer& operator=(const DaemonContainer&) = delete;
  ~DaemonContainer();  // closes pidfd and doorbell

  int held_cores() const;
  // Member slots assigned to forked process `pid`.
  int MemberSlotsOf(int32_t pid) const;
  // A free member slot (its index in the region) for another kthread of
  // forked process `pid`; -1 with `why` if none is free or the process
  // has one for each of the container's max cores already.
  int FreeMemberSlotFor(int32_t pid, const char** why) const;
  // Assigns member slot `slot` to `pid`: the slot's daemon words afresh
  // (no grant yet; the pid and a new token say whose it is) and the books.
  // Returns the token (never 0).
  uint32_t AssignMemberSlot(size_t slot, int32_t pid);
  // Frees member slot `slot` (its core, if any, already taken back): a
  // process still alive runs standalone, the slot no longer naming it.
  void FreeMemberSlot(size_t slot);
  // A free slot for a grant of `core` (-1: none): a free slot of the
  // forked process with work that waited longest, if it waited longer than
  // the first process's kthreads, else one of the first process's. Within
  // a process (its kthreads steal from each other) a free slot with work
  // queued on it, else the one that held `core` last, else any.
  int PickSlotFor(int core) const;
  // The host process slot `slot` belongs to (for tgkill).
  int32_t SlotPid(size_t slot) const;
  ContainerStatus Status(uint64_t now_ns) const;
};

// True if host process `pid` is `ancestor` or a descendant of it (from
// /proc; orphans of a container are adopted by its first process, a
// subreaper).
bool DescendsFrom(int pid, int ancestor);

}  // namespace junction::sched
