#include "net/container_queue.h"

#include <cstring>

namespace junction::net {

namespace {

constexpr uint32_t kMask = kRingEntries - 1;

class TxGuard {
 public:
  explicit TxGuard(std::atomic<bool>& l) : l_(l) {
    while (l_.exchange(true, std::memory_order_acquire))
      while (l_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
  }
  ~TxGuard() { l_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool>& l_;
};

}  // namespace

void ContainerQueue::Attach(PacketQueues* q) {
  q_ = q;
  // Start from wherever the rings are (zero for a fresh region): our
  // producer indices are ours, the consumer ones we take as they are.
  rx_cons_ = q->rx_idx.producer.load(std::memory_order_acquire);
  fill_prod_ = q->fill_idx.consumer.load(std::memory_order_acquire);
  tx_prod_ = q->tx_idx.consumer.load(std::memory_order_acquire);
  comp_cons_ = q->comp_idx.producer.load(std::memory_order_acquire);
  q->rx_idx.consumer.store(rx_cons_, std::memory_order_relaxed);
  q->tx_idx.producer.store(tx_prod_, std::memory_order_relaxed);
  q->comp_idx.consumer.store(comp_cons_, std::memory_order_relaxed);
  for (uint32_t i = 0; i < kRxBuffers; i++) LendRx(i);
  free_tx_count_ = 0;
  for (uint32_t i = kRxBuffers; i < kBuffersPerQueue; i++) free_tx_[free_tx_count_++] = i;
  q->fill_idx.producer.store(fill_prod_, std::memory_order_release);
  q->attached.store(kQueueAttached, std::memory_order_release);
}

void ContainerQueue::Detach() {
  if (q_ != nullptr) q_->attached.store(0, std::memory_order_release);
  q_ = nullptr;
}

void ContainerQueue::LendRx(uint32_t index) {
  q_->fill[fill_prod_ & kMask].store(PackDesc(index, 0), std::memory_order_relaxed);
  fill_prod_++;
}

uint32_t ContainerQueue::RxPending() const {
  uint32_t avail = q_->rx_idx.producer.load(std::memory_order_acquire) - rx_cons_;
  return avail > kRingEntries ? 0 : avail;
}

void ContainerQueue::ReapCompletionsLocked() {
  // Acquire: the daemon has finished copying out of these buffers.
  uint32_t prod = q_->comp_idx.producer.load(std::memory_order_acquire);
  uint32_t avail = prod - comp_cons_;
  if (avail > kRingEntries) return;
  for (; avail > 0; avail--) {
    uint32_t index = DescIndex(q_->comp[comp_cons_ & kMask].load(std::memory_order_relaxed));
    comp_cons_++;
    if (index < kBuffersPerQueue && free_tx_count_ < kBuffersPerQueue)
      free_tx_[free_tx_count_++] = index;
  }
  q_->comp_idx.consumer.store(comp_cons_, std::memory_order_release);
}

bool ContainerQueue::Transmit(std::span<const uint8_t> head, std::span<const uint8_t> body) {
  size_t size = head.size() + body.size();
  if (size > kBufferBytes || size < kMinFrameBytes) {
    tx_dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  TxGuard g(tx_lock_);
  if (free_tx_count_ == 0) ReapCompletionsLocked();
  uint32_t in_ring = tx_prod_ - q_->tx_idx.consumer.load(std::memory_order_acquire);
  if (free_tx_count_ == 0 || in_ring >= kRingEntries) {
    tx_dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  uint32_t index = free_tx_[--free_tx_count_];
  if (!head.empty()) std::memcpy(q_->buffers[index], head.data(), head.size());
  if (!body.empty()) std::memcpy(q_->buffers[index] + head.size(), body.data(), body.size());
  q_->tx[tx_prod_ & kMask].store(PackDesc(index, static_cast<uint32_t>(size)),
                                 std::memory_order_relaxed);
  tx_prod_++;
  // Release: the frame and its descriptor are written.
  q_->tx_idx.producer.store(tx_prod_, std::memory_order_release);
  return true;
}

}  // namespace junction::net
