// The daemon's end of one kthread's packet rings (packet_queues.h). It
// keeps its own copy of every index it produces or consumes and reads only
// the container's indices from the region, each checked against its own:
// a container index that claims more than is possible makes that ring
// look empty (or full) until it is sane again, and is counted.
//
// Threading: the daemon loop only. Writes to the region are batched:
// Publish() makes the consumed and produced entries visible.
#pragma once

#include <cstdint>
#include <span>

#include "net/net_counters.h"
#include "net/packet_queues.h"

namespace junction::net {


class DaemonQueue {
 public:
  // `q` lies inside a region the daemon mapped (size checked by the daemon).
  // resume: take the indices the region holds as the starting point (a
  // region adopted after a daemon restart); else start from zero.
  DaemonQueue(PacketQueues* q, bool resume);

  bool attached() const {
    return q_->attached.load(std::memory_order_acquire) == kQueueAttached;
  }

  enum class DeliverResult { kDelivered, kRingFull, kNoBuffer, kTooBig, kCorrupt };
  // Copies `frame` into an empty buffer from the fill ring and queues it on
  // rx. Visible to the container after Publish().
  DeliverResult Deliver(std::span<const uint8_t> frame);

  enum class TakeResult { kFrame, kEmpty, kBadDescriptor, kCorrupt, kStillCorrupt };
  // The next frame the container queued on tx, copied into `out` (at least
  // kBufferBytes) with its length in *len; its buffer goes back on comp.
  // kEmpty also when comp has no room (the container does not reap): tx
  // then waits, which is the back-pressure. kCorrupt: an impossible tx or
  // comp index; kStillCorrupt: the same, seen already by the last call
  // (one error, counted once: the ring stays unusable until the container
  // writes a possible index).
  TakeResult TakeTx(uint8_t* out, uint32_t* len);

  // Frames the container has not consumed from rx (0 if its index is
  // impossible), and frames waiting on tx.
  uint32_t RxBacklog() const;
  uint32_t TxPending() const;

  // Makes rx and comp entries visible and returns fill and tx entries.
  void Publish();

  void SetWantsKick(bool on) {
    q_->daemon_wants_kick.store(on ? 1 : 0, std::memory_order_release);
  }
  // The consumer may be asleep (container_wants_kick): after posting rx,
  // write its wake-up descriptor. Call it after Publish: the full fence
  // keeps the rx index store ahead of this flag load (packet_queues.h,
  // "Sleeper flags").
  bool ConsumerWantsKick() const {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return q_->container_wants_kick.load(std::memory_order_relaxed) == 1;
  }
  // The container's rx consumer index moved since the last call (it is
  // draining), for the daemon's queueing-delay estimate.
  bool RxConsumerMoved();

 private:
  PacketQueues* q_;
  // The daemon's indices: producer of rx and comp, consumer of fill and tx.
  uint32_t rx_prod_, comp_prod_, fill_cons_, tx_cons_;
  bool dirty_ = false;
  bool tx_corrupt_ = false;  // the last TakeTx found an impossible index
  uint32_t last_rx_cons_ = 0;
};

}  // namespace junction::net
