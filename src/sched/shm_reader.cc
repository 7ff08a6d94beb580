#include "sched/shm_reader.h"

#include <csignal>

#include "sched/status_format.h"

namespace junction::sched {

SlotSignals ReadSlot(const KthreadSlot& s, uint64_t now_ns, uint32_t* rejected) {
  SlotSignals out;
  uint64_t since = s.oldest_runnable_since_ns.load(std::memory_order_relaxed);
  if (since != 0) {
    if (since > now_ns + kFutureSlackNs) {
      // Ahead of the tick's clock reading, which is stale if the host
      // preempted the daemon since (a loaded CPU it shares with granted
      // kthreads: 10+ ms): a scribble only if ahead of a fresh one too.
      if (since > MonotonicNowNs() + kFutureSlackNs) ++*rejected;
    } else if (since < now_ns) {
      uint64_t age = now_ns - since;
      out.queue_delay_ns = age < kMaxQueueDelayNs ? age : kMaxQueueDelayNs;
    }
  }
  uint32_t runnable = s.runnable.load(std::memory_order_relaxed);
  if (runnable <= kMaxRunnablePerSlot) out.runnable = runnable;
  else ++*rejected;
  uint64_t late = s.timer_lateness_ns.load(std::memory_order_relaxed);
  if (late <= kMaxQueueDelayNs) out.timer_lateness_ns = late;
  else ++*rejected;
  uint32_t rx = s.rx_backlog.load(std::memory_order_relaxed);
  if (rx <= kMaxRunnablePerSlot) out.rx_backlog = rx;
  else ++*rejected;
  out.heartbeat = s.heartbeat.load(std::memory_order_relaxed);
  // Acquire: pairs with the kthread's release store when it parks.
  uint64_t status = s.status.load(std::memory_order_acquire);
  uint32_t state = static_cast<uint32_t>(status);
  if (state == static_cast<uint32_t>(KthreadState::kParked)) out.state = KthreadState::kParked;
  else if (state == static_cast<uint32_t>(KthreadState::kIdle)) out.state = KthreadState::kIdle;
  else if (state != static_cast<uint32_t>(KthreadState::kRunning)) ++*rejected;
  out.acked_seq = static_cast<uint32_t>(status >> 32);
  uint32_t tid = s.tid.load(std::memory_order_relaxed);
  if (tid <= kMaxTid) out.tid = tid;
  else ++*rejected;
  return out;
}

ContainerSignals ReadContainer(const ShmRegion& r, uint64_t container_id, uint64_t now_ns,
                               std::vector<SlotSignals>* slots,
                               const std::vector<bool>& member_in_use) {
  ContainerSignals c;
  const ShmHeader* h = r.header();
  // Plain fields the container may have overwritten: compare only, never use.
  c.header_intact = h->magic == kShmMagic && h->version == kShmVersion &&
                    h->region_size == r.size() && h->kthread_slots == r.slots() &&
                    h->container_id == container_id && h->member_slots == kMemberSlots;
  slots->resize(r.total_slots());
  for (uint32_t i = 0; i < r.total_slots(); i++) {
    if (i >= r.slots() && (i - r.slots() >= member_in_use.size() || !member_in_use[i - r.slots()])) {
      (*slots)[i] = SlotSignals{};
      (*slots)[i].state = KthreadState::kParked;
      continue;
    }
    SlotSignals s = ReadSlot(*r.slot(i), now_ns, &c.rejected_values);
    (*slots)[i] = s;
    if (s.queue_delay_ns > c.queue_delay_ns) c.queue_delay_ns = s.queue_delay_ns;
    if (s.timer_lateness_ns > c.timer_lateness_ns) c.timer_lateness_ns = s.timer_lateness_ns;
    c.runnable += s.runnable;
  }
  // Any value is a possible timer; only its distance from now matters.
  uint64_t timer = h->next_timer_ns.load(std::memory_order_relaxed);
  if (timer != 0 && timer <= now_ns) {
    uint64_t late = now_ns - timer;
    late = late < kMaxQueueDelayNs ? late : kMaxQueueDelayNs;
    if (late > c.timer_lateness_ns) c.timer_lateness_ns = late;
  } else if (timer > now_ns) {
    c.next_timer_ns = timer;
  }
  c.runnable_published = h->publishes_runnable.load(std::memory_order_relaxed) == 1;
  uint64_t total = h->uthreads_total.load(std::memory_order_relaxed);
  if (total != kUnpublished) {
    if (total <= kMaxUthreads) c.uthreads_total = total;
    else ++c.rejected_values;
  }
  uint64_t preemptions = h->preemptions.load(std::memory_order_relaxed);
  if (preemptions != kUnpublished) c.preemptions = preemptions;
  uint32_t sig = h->yield_signal.load(std::memory_order_relaxed);
  if (sig != 0) {
    if (sig >= static_cast<uint32_t>(SIGRTMIN) && sig <= static_cast<uint32_t>(SIGRTMAX))
      c.yield_signal = static_cast<int>(sig);
    else ++c.rejected_values;
  }
  return c;
}

}  // namespace junction::sched
