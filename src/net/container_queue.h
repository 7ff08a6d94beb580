// The container's end of one kthread's packet rings (packet_queues.h):
// lends receive buffers to the daemon, hands received frames to a
// callback, and queues frames for transmission from its own buffers.
//
// Threading: PollRx on the owning kthread only (one consumer). Transmit
// may be called from any thread: a spinlock keeps the tx ring single-
// producer. No allocation and no libc TLS: it runs inside the LibOS.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "net/packet_queues.h"

namespace junction::net {

class ContainerQueue {
 public:
  ContainerQueue() = default;
  ContainerQueue(const ContainerQueue&) = delete;
  ContainerQueue& operator=(const ContainerQueue&) = delete;

  // Takes over `q` (zeroed by the daemon, or left by an earlier Attach of
  // this same process): lends kRxBuffers buffers on the fill ring, keeps
  // the rest for transmission, and marks the rings attached.
  void Attach(PacketQueues* q);
  void Detach();  // the daemon stops steering to this kthread
  bool attached() const { return q_ != nullptr; }

  // Calls fn(std::span<const uint8_t> frame) for up to `budget` received
  // frames, then lends their buffers back. Returns how many it handed on.
  template <typename Fn>
  int PollRx(Fn&& fn, int budget) {
    return PollRx(fn, budget, [] {});
  }
  // The same, calling after_last() after the last frame while the buffers are
  // still the container's (a caller that held frames back hands them on).
  template <typename Fn, typename Done>
  int PollRx(Fn&& fn, int budget, Done&& done);

  // Frames waiting in rx.
  uint32_t RxPending() const;

  // Copies `frame` into a transmit buffer and queues it. False (the frame
  // is dropped and counted in tx_dropped) when every transmit buffer is in
  // flight or the frame does not fit one.
  bool Transmit(std::span<const uint8_t> frame) { return Transmit(frame, {}); }
  // The frame `head` followed by `body`, copied into one buffer.
  bool Transmit(std::span<const uint8_t> head, std::span<const uint8_t> body);

  // True if the daemon asked to be told about new tx frames (it may be
  // asleep): ring the doorbell. Call it after Transmit published tx: the
  // full fence keeps that index store ahead of this flag load (x86 may
  // otherwise satisfy the load first: packet_queues.h, "Sleeper flags").
  bool DaemonWantsKick() const {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return q_->daemon_wants_kick.load(std::memory_order_relaxed) != 0;
  }

  uint64_t tx_dropped() const { return tx_dropped_.load(std::memory_order_relaxed); }
  uint64_t rx_bad() const { return rx_bad_; }

 private:
  void ReapCompletionsLocked();
  void LendRx(uint32_t index);

  PacketQueues* q_ = nullptr;
  // Consumer side (owning kthread).
  uint32_t rx_cons_ = 0, fill_prod_ = 0;
  uint64_t rx_bad_ = 0;  // descriptors from the daemon that made no sense
  // Producer side (under tx_lock_).
  std::atomic<bool> tx_lock_{false};
  uint32_t tx_prod_ = 0, comp_cons_ = 0;
  uint32_t free_tx_[kBuffersPerQueue];
  uint32_t free_tx_count_ = 0;
  std::atomic<uint64_t> tx_dropped_{0};
};

template <typename Fn, typename Done>
int ContainerQueue::PollRx(Fn&& fn, int budget, Done&& after_last) {
  // Acquire: the entries and the frames in their buffers are written.
  uint32_t prod = q_->rx_idx.producer.load(std::memory_order_acquire);
  uint32_t avail = prod - rx_cons_;
  if (avail > kRingEntries) return 0;  // impossible: the daemon never does this
  int done = 0;
  for (; avail > 0 && done < budget; avail--) {
    uint64_t d = q_->rx[rx_cons_ & (kRingEntries - 1)].load(std::memory_order_relaxed);
    rx_cons_++;
    uint32_t index = DescIndex(d), len = DescLen(d);
    if (index >= kBuffersPerQueue || len > kBufferBytes) {
      rx_bad_++;
      continue;
    }
    fn(std::span<const uint8_t>(q_->buffers[index], len));
    LendRx(index);  // not the daemon's before the release below
    done++;
  }
  after_last();
  // Release: we are done reading those buffers; the daemon may reuse the
  // entries, and the buffers lent back.
  q_->rx_idx.consumer.store(rx_cons_, std::memory_order_release);
  q_->fill_idx.producer.store(fill_prod_, std::memory_order_release);
  return done;
}

}  // namespace junction::net
