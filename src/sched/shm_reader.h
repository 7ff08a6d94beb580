// The daemon's only way to read what a container wrote into its shared
// region. Every value is range-checked; a value out of range is replaced
// by a safe one and counted, so a container that scribbles random bytes
// over its region gets wrong scheduling for itself and nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sched/shm_region.h"

namespace junction::sched {

// Upper bounds of accepted values.
inline constexpr uint64_t kMaxQueueDelayNs = 10'000'000'000;  // 10 s: longer is "10 s"
inline constexpr uint64_t kFutureSlackNs = 1'000'000;           // clocks may differ by this much
inline constexpr uint32_t kMaxRunnablePerSlot = 1u << 20;
inline constexpr uint64_t kMaxUthreads = 1u << 24;
inline constexpr uint32_t kMaxTid = 4'194'304;  // PID_MAX_LIMIT

struct SlotSignals {
  uint64_t queue_delay_ns = 0;  // now - oldest_runnable_since_ns, 0 if none
  uint32_t runnable = 0;
  uint64_t timer_lateness_ns = 0;
  uint32_t rx_backlog = 0;
  uint64_t heartbeat = 0;
  KthreadState state = KthreadState::kRunning;  // an invalid state reads as running
  uint32_t acked_seq = 0;
  uint32_t tid = 0;  // 0 = not published or invalid
};

struct ContainerSignals {
  uint64_t queue_delay_ns = 0;  // max over slots
  uint64_t runnable = 0;        // sum over slots
  uint64_t timer_lateness_ns = 0;  // max over slots and the header's next_timer_ns
  uint64_t next_timer_ns = 0;      // a future timer (0 = none, or due already)
  bool runnable_published = false;
  std::optional<uint64_t> uthreads_total;
  std::optional<uint64_t> preemptions;
  int yield_signal = 0;         // 0 or a real-time signal number
  bool header_intact = true;    // the daemon-written header is as the daemon left it
  uint32_t rejected_values = 0; // values that failed their range check this read
};

// Reads slot `s` at daemon time `now_ns` (CLOCK_MONOTONIC).
SlotSignals ReadSlot(const KthreadSlot& s, uint64_t now_ns, uint32_t* rejected);

// Reads the whole region: per-slot signals into `slots` (resized to
// r.total_slots()) and the container totals. Member slots i with
// !member_in_use[i - r.slots()] (no process was assigned them) are not
// read: they read as parked with nothing queued.
ContainerSignals ReadContainer(const ShmRegion& r, uint64_t container_id, uint64_t now_ns,
                               std::vector<SlotSignals>* slots,
                               const std::vector<bool>& member_in_use);

}  // namespace junction::sched
