#include "net/daemon_queue.h"

#include <cstring>

namespace junction::net {

namespace {

constexpr uint32_t kMask = kRingEntries - 1;

}  // namespace

DaemonQueue::DaemonQueue(PacketQueues* q, bool resume) : q_(q) {
  if (resume) {
    // Our own words, left by the previous daemon; any value is only a
    // starting point for index arithmetic, checked like everything else.
    rx_prod_ = q->rx_idx.producer.load(std::memory_order_relaxed);
    comp_prod_ = q->comp_idx.producer.load(std::memory_order_relaxed);
    fill_cons_ = q->fill_idx.consumer.load(std::memory_order_relaxed);
    tx_cons_ = q->tx_idx.consumer.load(std::memory_order_relaxed);
  } else {
    rx_prod_ = comp_prod_ = fill_cons_ = tx_cons_ = 0;
    q->rx_idx.producer.store(0, std::memory_order_relaxed);
    q->comp_idx.producer.store(0, std::memory_order_relaxed);
    q->fill_idx.consumer.store(0, std::memory_order_relaxed);
    q->tx_idx.consumer.store(0, std::memory_order_relaxed);
  }
  last_rx_cons_ = q->rx_idx.consumer.load(std::memory_order_relaxed);
}

DaemonQueue::DeliverResult DaemonQueue::Deliver(std::span<const uint8_t> frame) {
  if (frame.size() > kBufferBytes) return DeliverResult::kTooBig;
  // Acquire: the container finished with the rx entries it released.
  uint32_t rx_cons = q_->rx_idx.consumer.load(std::memory_order_acquire);
  uint32_t queued = rx_prod_ - rx_cons;
  if (queued > kRingEntries) return DeliverResult::kCorrupt;
  if (queued == kRingEntries) return DeliverResult::kRingFull;
  // Acquire: the fill entries (and the buffers' ownership) are published.
  uint32_t fill_prod = q_->fill_idx.producer.load(std::memory_order_acquire);
  uint32_t lent = fill_prod - fill_cons_;
  if (lent > kRingEntries) return DeliverResult::kCorrupt;
  for (; lent > 0; lent--) {
    uint32_t index = DescIndex(q_->fill[fill_cons_ & kMask].load(std::memory_order_relaxed));
    fill_cons_++;
    dirty_ = true;
    if (index >= kBuffersPerQueue) continue;  // a bad loan: skip it (the container's loss)
    std::memcpy(q_->buffers[index], frame.data(), frame.size());
    q_->rx[rx_prod_ & kMask].store(PackDesc(index, static_cast<uint32_t>(frame.size())),
                                   std::memory_order_relaxed);
    rx_prod_++;
    return DeliverResult::kDelivered;
  }
  return DeliverResult::kNoBuffer;
}

DaemonQueue::TakeResult DaemonQueue::TakeTx(uint8_t* out, uint32_t* len) {
  auto corrupt = [this] {
    bool again = tx_corrupt_;
    tx_corrupt_ = true;
    return again ? TakeResult::kStillCorrupt : TakeResult::kCorrupt;
  };
  uint32_t comp_cons = q_->comp_idx.consumer.load(std::memory_order_acquire);
  uint32_t completed = comp_prod_ - comp_cons;
  if (completed > kRingEntries) return corrupt();
  uint32_t tx_prod = q_->tx_idx.producer.load(std::memory_order_acquire);
  uint32_t queued = tx_prod - tx_cons_;
  if (queued > kRingEntries) return corrupt();
  tx_corrupt_ = false;
  if (completed == kRingEntries) return TakeResult::kEmpty;  // back-pressure
  if (queued == 0) return TakeResult::kEmpty;
  // Read the descriptor once; validate the copies, never the shared words.
  uint64_t desc = q_->tx[tx_cons_ & kMask].load(std::memory_order_relaxed);
  tx_cons_++;
  dirty_ = true;
  uint32_t index = DescIndex(desc), n = DescLen(desc);
  if (index >= kBuffersPerQueue) return TakeResult::kBadDescriptor;
  TakeResult r = TakeResult::kBadDescriptor;
  if (n >= kMinFrameBytes && n <= kBufferBytes) {
    std::memcpy(out, q_->buffers[index], n);
    *len = n;
    r = TakeResult::kFrame;
  }
  // The buffer goes back either way: a bad length must not leak it.
  q_->comp[comp_prod_ & kMask].store(PackDesc(index, 0), std::memory_order_relaxed);
  comp_prod_++;
  return r;
}

uint32_t DaemonQueue::RxBacklog() const {
  uint32_t queued = rx_prod_ - q_->rx_idx.consumer.load(std::memory_order_relaxed);
  return queued > kRingEntries ? 0 : queued;
}

uint32_t DaemonQueue::TxPending() const {
  uint32_t queued = q_->tx_idx.producer.load(std::memory_order_relaxed) - tx_cons_;
  return queued > kRingEntries ? 0 : queued;
}

bool DaemonQueue::RxConsumerMoved() {
  uint32_t c = q_->rx_idx.consumer.load(std::memory_order_relaxed);
  bool moved = c != last_rx_cons_;
  last_rx_cons_ = c;
  return moved;
}

void DaemonQueue::Publish() {
  if (!dirty_) return;
  dirty_ = false;
  // Release: the buffers we read (fill, tx) and wrote (rx) are done with.
  q_->fill_idx.consumer.store(fill_cons_, std::memory_order_release);
  q_->tx_idx.consumer.store(tx_cons_, std::memory_order_release);
  q_->rx_idx.producer.store(rx_prod_, std::memory_order_release);
  q_->comp_idx.producer.store(comp_prod_, std::memory_order_release);
}

}  // namespace junction::net
