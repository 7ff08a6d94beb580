#include "net/ring_link.h"

namespace junction::net {

RingLink::RingLink(PacketQueues* queues, uint32_t count, MacAddr mac, uint16_t mtu,
                   void (*doorbell)(void* ctx), void* doorbell_ctx, int (*current_kthread)())
    : rings_(new PerQueue[count]),
      base_(queues),
      count_(count),
      mac_(mac),
      mtu_(mtu),
      doorbell_(doorbell),
      doorbell_ctx_(doorbell_ctx),
      current_kthread_(current_kthread) {}

RingLink::~RingLink() {
  if (!abandoned_.load()) DetachAll();
}

void RingLink::AttachAll() {
  for (uint32_t i = 0; i < count_; i++) rings_[i].q.Attach(base_ + i);
}

void RingLink::DetachAll() {
  for (uint32_t i = 0; i < count_; i++) rings_[i].q.Detach();
}

bool RingLink::TransmitParts(std::span<const std::byte> head, std::span<const std::byte> body) {
  if (abandoned_.load(std::memory_order_acquire)) return false;
  int k = current_kthread_ ? current_kthread_() : -1;
  uint32_t i = k >= 0 && static_cast<uint32_t>(k) < count_ ? static_cast<uint32_t>(k) : 0;
  ContainerQueue& q = rings_[i].q;
  if (!q.attached()) return false;
  auto bytes = [](std::span<const std::byte> s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  if (!q.Transmit(bytes(head), bytes(body))) return false;
  // A sleeping daemon is woken at once, and again while a long burst fills
  // the ring (it may have gone to sleep since): the ring holds kRingEntries.
  PerQueue& r = rings_[i];
  r.tx_checked = r.tx_unflushed++ % kKickEvery == 0;
  if (r.tx_checked) KickIfAsleep(q);
  return true;
}

void RingLink::Flush() {
  if (abandoned_.load(std::memory_order_acquire)) return;
  for (uint32_t i = 0; i < count_; i++) {
    PerQueue& r = rings_[i];
    if (!r.tx_unflushed) continue;
    r.tx_unflushed = 0;
    if (r.tx_checked) continue;  // looked at after the last frame
    // The daemon may be asleep: wake it (rare; an eventfd write). The check
    // fences after the tx publish (packet_queues.h, "Sleeper flags").
    KickIfAsleep(r.q);
  }
}

int RingLink::PollOne(uint32_t i, FrameSink* sink, int budget) {
  if (abandoned_.load(std::memory_order_acquire)) return 0;
  PerQueue& r = rings_[i];
  if (!r.q.attached() || r.q.RxPending() == 0) return 0;
  if (r.rx_busy.exchange(true, std::memory_order_acquire)) return 0;  // another kthread drains it
  // Handed on in batches (FrameSink::InputBatch): the stack answers a
  // batch's in-order segments with one ACK.
  constexpr size_t kBatch = 64;
  std::span<const std::byte> batch[kBatch];
  size_t held = 0;
  auto hand_on = [&] {
    if (held) sink->InputBatch(std::span<const std::span<const std::byte>>(batch, held));
    held = 0;
  };
  int n = r.q.PollRx([&](std::span<const uint8_t> f) {
    batch[held++] = std::span<const std::byte>(reinterpret_cast<const std::byte*>(f.data()), f.size());
    if (held == kBatch) hand_on();
  }, budget, hand_on);
  r.rx_busy.store(false, std::memory_order_release);
  return n;
}

int RingLink::PollRx(int self, FrameSink* sink, int budget, bool steal) {
  uint32_t first = self >= 0 && static_cast<uint32_t>(self) < count_ ? static_cast<uint32_t>(self) : 0;
  int done = PollOne(first, sink, budget);
  if (!steal) return done;
  for (uint32_t k = 1; k < count_ && done < budget; k++)
    done += PollOne((first + k) % count_, sink, budget - done);
  return done;
}

bool RingLink::RxPending() const {
  if (abandoned_.load(std::memory_order_acquire)) return false;
  for (uint32_t i = 0; i < count_; i++)
    if (rings_[i].q.attached() && rings_[i].q.RxPending() > 0) return true;
  return false;
}

uint64_t RingLink::tx_dropped() const {
  uint64_t n = 0;
  for (uint32_t i = 0; i < count_; i++) n += rings_[i].q.tx_dropped();
  return n;
}

}  // namespace junction::net
