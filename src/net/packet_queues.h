// The packet rings one container kthread shares with the daemon
// (docs/network.md "Daemon", DESIGN.md 3.7). They live in the container's
// shared region (sched/shm_protocol.h), one PacketQueues per kthread slot,
// after the slots: RingAreaOffset(slots) + i * sizeof(PacketQueues).
//
// The model is AF_XDP's: the container owns kBuffersPerQueue packet
// buffers of kBufferBytes each and lends them out through four
// single-producer/single-consumer rings:
//
//   fill  container -> daemon   empty buffers the daemon may receive into
//   rx    daemon -> container   received frames (buffer index + length)
//   tx    container -> daemon   frames to send (buffer index + length)
//   comp  daemon -> container   tx buffers the daemon is done with
//
// The daemon never holds a buffer across its loop: it copies a tx frame
// out and completes the buffer at once, and it takes a fill buffer only to
// copy a frame in and post it on rx. A buffer index is only a number to
// either side; the daemon checks every index and length it reads (and
// copies the frame before looking at it), so a container that scribbles
// over its rings or buffers loses packets, never the daemon.
//
// Ordering (per ring): the producer writes the entry (relaxed atomic),
// then its index with release; the consumer reads the producer index with
// acquire, then the entries and buffers, then stores its own index with
// release; the producer reads the consumer index with acquire before it
// reuses an entry or buffer. Indices are free-running u32 (masked on use),
// so producer - consumer is the fill level even across wrap-around.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace junction::net {

inline constexpr uint32_t kRingEntries = 512;      // per ring; a power of two
inline constexpr uint32_t kBuffersPerQueue = 1024;  // per kthread
inline constexpr uint32_t kBufferBytes = 2048;      // largest frame the rings carry
inline constexpr uint32_t kMinFrameBytes = 14;      // an Ethernet header
// How many buffers the container lends for receiving; the rest are its
// transmit buffers. A container may choose otherwise: the daemon only
// checks that an index is < kBuffersPerQueue.
inline constexpr uint32_t kRxBuffers = kRingEntries;
static_assert((kRingEntries & (kRingEntries - 1)) == 0);
static_assert(kBuffersPerQueue >= 2 * kRingEntries, "fill and tx can both be full");

// A ring descriptor: buffer index in the low half, frame length in the
// high half (0 for fill and comp entries).
inline constexpr uint64_t PackDesc(uint32_t index, uint32_t len) {
  return (uint64_t{len} << 32) | index;
}
inline constexpr uint32_t DescIndex(uint64_t d) { return static_cast<uint32_t>(d); }
inline constexpr uint32_t DescLen(uint64_t d) { return static_cast<uint32_t>(d >> 32); }

// "attached" value: the kthread polls these rings (anything else: not).
inline constexpr uint32_t kQueueAttached = 0x4e455451;  // "QTEN"

// One ring's two indices, each on its own cache line (the two sides write
// them), and the entries.
struct alignas(64) RingIndices {
  std::atomic<uint32_t> producer;  // written by the producer side only
  uint8_t pad0[60];
  std::atomic<uint32_t> consumer;  // written by the consumer side only
  uint8_t pad1[60];
};
static_assert(sizeof(RingIndices) == 128);

// Sleeper flags (container_wants_kick, daemon_wants_kick): a Dekker pair.
// The sleeper stores its flag, issues a full fence, then re-reads the
// ring's producer index before it sleeps. The producer stores the ring's
// producer index, issues a full fence, then reads the flag and kicks if it
// is set. Both fences are needed: release/acquire alone lets each side's
// load pass its own earlier store (x86 store buffer), so both can miss
// the other and a frame waits in the ring while its consumer sleeps.
// DaemonWantsKick / ConsumerWantsKick hold the producer's fence;
// PacketSwitch::PrepareSleep and MemberPending hold the sleeper's.
struct alignas(4096) PacketQueues {
  // --- written by the container ---
  std::atomic<uint32_t> attached;  // kQueueAttached while its kthread polls the rings
  // 1: the consumer may be asleep; after posting rx the daemon writes the
  // process's wake-up eventfd. Only a forked process's own rings (it runs
  // outside the daemon's core grants: docs/network.md "Processes").
  std::atomic<uint32_t> container_wants_kick;
  uint8_t pad0[56];
  // --- written by the daemon ---
  // 1: the daemon may be asleep; after posting tx the container rings
  // the doorbell (an eventfd write). 0: the daemon is polling.
  std::atomic<uint32_t> daemon_wants_kick;
  uint8_t pad1[60];

  RingIndices fill_idx, rx_idx, tx_idx, comp_idx;
  std::atomic<uint64_t> fill[kRingEntries];
  std::atomic<uint64_t> rx[kRingEntries];
  std::atomic<uint64_t> tx[kRingEntries];
  std::atomic<uint64_t> comp[kRingEntries];

  alignas(4096) uint8_t buffers[kBuffersPerQueue][kBufferBytes];
};
static_assert(offsetof(PacketQueues, daemon_wants_kick) == 64);
static_assert(offsetof(PacketQueues, fill_idx) % 64 == 0);
static_assert(offsetof(PacketQueues, buffers) % 4096 == 0);
static_assert(sizeof(PacketQueues) % 4096 == 0);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

inline constexpr uint64_t kPacketQueuesBytes = sizeof(PacketQueues);

}  // namespace junction::net
