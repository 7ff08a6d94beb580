// The LibOS's network link under the daemon (docs/network.md "Daemon"):
// a NetLink over the container's packet rings (packet_queues.h), one
// ContainerQueue per kthread slot.
//
// Receive: kthread i polls its own rings first (frames of its flows are
// steered there); an idle kthread may drain another kthread's rings too
// (a kthread without a core would otherwise strand its frames). A
// per-ring try-lock keeps each rx ring single-consumer.
// Transmit: the stack serialises Transmit (link.h); frames go out on the
// calling kthread's tx ring (or ring 0), which has its own lock anyway.
//
// No allocation after construction, no libc TLS: runs inside the LibOS.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "net/container_queue.h"
#include "net/link.h"

namespace junction::net {

class RingLink : public NetLink {
 public:
  // `queues`: the region's PacketQueues, `count` of them (one per slot).
  // `doorbell(ctx)` tells a sleeping daemon to look (an eventfd write).
  // `current_kthread()` is the calling kthread's index, or -1.
  RingLink(PacketQueues* queues, uint32_t count, MacAddr mac, uint16_t mtu,
           void (*doorbell)(void* ctx), void* doorbell_ctx, int (*current_kthread)());
  ~RingLink() override;
  RingLink(const RingLink&) = delete;
  RingLink& operator=(const RingLink&) = delete;

  // Takes over every ring (lends the receive buffers, marks them polled).
  void AttachAll();
  // The daemon stops steering to these rings (at exit).
  void DetachAll();
  // A forked child's copy: the rings belong to the parent. From now on
  // Transmit fails and PollRx finds nothing; nothing shared is written.
  void Abandon() { abandoned_.store(true, std::memory_order_release); }

  // NetLink.
  MacAddr mac() const override { return mac_; }
  uint16_t mtu() const override { return mtu_; }
  [[nodiscard]] bool Transmit(std::span<const std::byte> frame) override { return TransmitParts(frame, {}); }
  [[nodiscard]] bool TransmitParts(std::span<const std::byte> head,
                                   std::span<const std::byte> body) override;
  // Rings the doorbell if the daemon sleeps and frames went out since the
  // last call: once per burst, not per frame (its fence waits for every
  // frame's copy into the shared buffer to drain). TransmitParts also looks
  // at a burst's first frame and every kKickEvery-th: one send() may write
  // more frames than the tx ring holds, and a sleeping daemon must drain it.
  // Flush skips the look when no frame went out since the last one.
  void Flush() override;

  // Hands up to `budget` received frames to `sink`: kthread `self`'s rings
  // first, then (steal) the others'. Returns how many.
  int PollRx(int self, FrameSink* sink, int budget, bool steal);
  // Frames waiting in any ring (a cheap look: one load per ring).
  bool RxPending() const;

  uint64_t tx_dropped() const;

 private:
  int PollOne(uint32_t i, FrameSink* sink, int budget);

  static constexpr uint32_t kKickEvery = kRingEntries / 2;
  void KickIfAsleep(ContainerQueue& q) {
    if (q.DaemonWantsKick() && doorbell_) doorbell_(doorbell_ctx_);
  }

  struct PerQueue {
    ContainerQueue q;
    std::atomic<bool> rx_busy{false};
    // Under the stack lock: frames out since the last Flush, and whether
    // the daemon's flag was looked at after the last of them.
    uint32_t tx_unflushed = 0;
    bool tx_checked = false;
  };
  std::unique_ptr<PerQueue[]> rings_;
  std::atomic<bool> abandoned_{false};
  PacketQueues* base_;
  uint32_t count_;
  MacAddr mac_;
  uint16_t mtu_;
  void (*doorbell_)(void*);
  void* doorbell_ctx_;
  int (*current_kthread_)();
};

}  // namespace junction::net
