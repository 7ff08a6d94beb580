// The frame-level boundary between the LibOS network stack and whatever
// carries its packets (DESIGN.md 3.7): the daemon's shared-memory rings in
// production, a TAP fd or a simulated wire in tests.
//
// Frames are Ethernet II (dst MAC, src MAC, ethertype, payload), no FCS, no
// VLAN tag, at most mtu() + 14 bytes. Checksums are computed and verified in
// software by the stack; a link offers no offloads.
//
// Direction stack -> link: NetLink::Transmit.
// Direction link -> stack: the adapter's receive poller (the kthread that
// polls the container's receive ring) calls FrameSink::Input for each frame,
// and FrameSink::Poll to run timers. NetStack (src/net/stack/) implements
// FrameSink.
//
// Concurrency: the stack calls Transmit (and Flush) only while holding its own
// lock, so calls on one NetLink never overlap; a single-producer transmit
// ring needs no further locking. Input and Poll may be called from any
// kthread; the stack takes its lock inside them. Neither side calls the other
// in a way that re-enters: Transmit must not call Input/Poll.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "net/joined_packet.h"

namespace junction::net {

struct MacAddr {
  std::array<uint8_t, 6> b{};

  static constexpr MacAddr Broadcast() {
    return MacAddr{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  }
  constexpr bool IsBroadcast() const { return *this == Broadcast(); }
  constexpr bool IsMulticast() const { return (b[0] & 1) != 0; }
  constexpr bool operator==(const MacAddr&) const = default;
};

inline constexpr size_t kEthHeaderLen = 14;

// One network interface as the stack sees it.
class NetLink {
 public:
  virtual ~NetLink() = default;

  // The interface's own hardware address (source of every frame we send).
  virtual MacAddr mac() const = 0;

  // Largest IPv4 packet (Ethernet payload) the link carries, e.g. 1500.
  virtual uint16_t mtu() const = 0;

  // Queues one frame for transmission. The span is valid only during the
  // call: the link copies it (or into a buffer it owns). Returns false when
  // the frame could not be queued (ring full, link down); the frame is then
  // dropped and the caller counts it. TCP recovers by retransmission.
  [[nodiscard]] virtual bool Transmit(std::span<const std::byte> frame) = 0;

  // The same for the frame `head` followed by `body` (headers and a
  // payload the stack holds apart): a link that copies frames into buffers
  // of its own copies the parts there, and the stack need not join them
  // first (an allocation and a copy of every segment).
  [[nodiscard]] virtual bool TransmitParts(std::span<const std::byte> head,
                                           std::span<const std::byte> body) {
    return Transmit(JoinedPacket(head, body));
  }

  // Hint that a burst of Transmit calls is complete (ring doorbell). Links
  // that send each frame immediately need not override it.
  virtual void Flush() {}
};

// The receiving side of a link: implemented by the stack.
class FrameSink {
 public:
  virtual ~FrameSink() = default;

  // One received frame. The span is valid only during the call; the stack
  // copies what it keeps. Frames of any length and content are accepted:
  // garbage is counted and dropped, never trusted.
  virtual void Input(std::span<const std::byte> frame) = 0;

  // Several received frames, in order: as Input for each, but the stack
  // may answer them together (one ACK per connection for the batch's
  // in-order data rather than one per two segments). The spans are valid
  // only during the call.
  virtual void InputBatch(std::span<const std::span<const std::byte>> frames) {
    for (std::span<const std::byte> f : frames) Input(f);
  }

  // Runs due timers (ARP retries, TCP retransmissions, delayed ACKs,
  // TIME_WAIT, fragment reassembly expiry). Call it whenever the receive
  // ring is idle and at least once per NextTimerNs() deadline; calling it
  // more often is harmless.
  virtual void Poll() = 0;

  // Monotonic time (CLOCK_MONOTONIC ns) of the next timer the stack needs
  // Poll for, or UINT64_MAX if none is armed.
  virtual uint64_t NextTimerNs() const = 0;
};

}  // namespace junction::net
