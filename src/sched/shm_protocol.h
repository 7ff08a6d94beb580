// The shared-memory region between the core scheduler daemon and one
// container (docs/daemon.md, DESIGN.md §3.6).
//
// The daemon creates the region (a sealed memfd: it cannot shrink or grow,
// so neither side can make the other fault), sends it to the container over
// the control socket, and both map it MAP_SHARED. Layout, at fixed offsets:
//
//   [ShmHeader]            one cache line written by the daemon, one by the container
//   [KthreadSlot] x N      N = cpu.max_cores; one per kthread of the first process
//   [KthreadSlot] x M      M = kMemberSlots; one per kthread of a forked process
//                          that joined (SCHED_JOIN), assigned by the daemon
//   [PacketQueues] x N     packet rings and buffers, one set per kthread
//                          (net/packet_queues.h; ring_offset, ring_size)
//   [NetPortTable]         which of the container's processes receive on
//                          each TCP/UDP port (net/port_table.h)
//   [NetFlowTable]         which of them owns each TCP connection several
//                          hold since a fork (net/flow_table.h)
//   [ParkedArea]           segments of such connections kept for the process
//                          that claims them (net/parked_segments.h)
//
// Ownership: every field is written by exactly one side, named in its
// comment. The daemon trusts nothing the container writes: it reads the
// container's words through ShmReader (shm_reader.h), which range-checks
// each value, and it never takes sizes or offsets from the region (it
// knows them from its own bookkeeping).
//
// Ordering: all shared words are std::atomic and lock-free, so a torn or
// random value is just a wrong number, never undefined behaviour.
// - Grant: the daemon writes grant_seq and grant_time_ns (relaxed), then
//   grant_core (release), then FUTEX_WAKE on grant_core. The kthread reads
//   grant_core (acquire), then grant_seq.
// - Park: the kthread writes its status (parked, acked seq) with release,
//   then FUTEX_WAITs on grant_core with the value it last saw. The daemon
//   reads status with acquire.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "net/packet_queues.h"
#include "net/flow_table.h"
#include "net/parked_segments.h"
#include "net/port_table.h"

namespace junction::sched {

inline constexpr uint32_t kShmMagic = 0x4843534a;  // "JSCH" little-endian
// 2: packet rings per kthread; 3: port table; 4: member slots; 5: flow table;
// 6: parked segments; 7: member tokens
inline constexpr uint32_t kShmVersion = 7;
inline constexpr size_t kCacheLine = 64;

// Most kthread slots a region holds (cpu.max_cores allows 1..256).
inline constexpr uint32_t kMaxKthreadSlots = 256;
// Slots for the kthreads of a container's forked processes (one per
// kthread, at most cpu.max_cores per process), after the N kthread slots.
// A process refused its first one runs standalone, a kthread refused one
// is not started (docs/daemon.md "Forked processes").
inline constexpr uint32_t kMemberSlots = 64;

// grant_core values other than a core id.
inline constexpr uint32_t kNoCore = 0xffffffffu;          // parked: wait for a grant
inline constexpr uint32_t kStandaloneGrant = 0xfffffffeu;  // daemon gone: run without one
// Core ids the daemon can grant (daemon config `cores` allows 0..1023).
inline constexpr uint32_t kMaxCoreId = 1023;

// "Not published" for the container's optional counters.
inline constexpr uint64_t kUnpublished = ~uint64_t{0};

// KthreadSlot::status: low 32 bits the state, high 32 bits the grant_seq
// the kthread last acted on (so a park is never mistaken for the answer to
// a newer grant).
// kIdle: out of work but keeping its grant, asleep until its next timer or
// work (docs/daemon.md, "Idle cores stay lent"): the daemon may give the
// core to another container at once, taking the grant back.
enum class KthreadState : uint32_t { kParked = 0, kRunning = 1, kIdle = 2 };
inline constexpr uint64_t PackStatus(KthreadState s, uint32_t seq) {
  return (uint64_t{seq} << 32) | static_cast<uint32_t>(s);
}

struct alignas(kCacheLine) ShmHeader {
  // --- written by the daemon at creation, read-only afterwards ---
  uint32_t magic;
  uint32_t version;
  uint64_t region_size;   // bytes of the whole region
  uint32_t kthread_slots; // N
  uint32_t slot_offset;   // byte offset of slot 0
  uint64_t ring_offset;   // byte offset of the packet ring area
  uint64_t ring_size;     // bytes of it
  uint64_t container_id;
  uint32_t member_slots;  // M (kMemberSlots)
  // 1 if the daemon polls busy: its cores are dedicated, so an idle
  // kthread may poll longer ahead of its timer (core_grant.h,
  // KeeperLeadNs). Written again by a daemon that adopts the region.
  // (Zero in a region of a daemon before it: adaptive.)
  std::atomic<uint32_t> polls_busy;
  uint8_t pad0[kCacheLine - 56];

  // --- written by the container ---
  std::atomic<uint64_t> uthreads_total;  // kUnpublished until the LibOS publishes it
  std::atomic<uint64_t> preemptions;     // kUnpublished until the LibOS publishes it
  // 1 once the container publishes KthreadSlot::runnable (else ps shows null).
  std::atomic<uint32_t> publishes_runnable;
  // Signal the daemon may send (tgkill) to a kthread that ignores a yield
  // request; 0 = none. Only SIGRTMIN..SIGRTMAX are honoured.
  std::atomic<uint32_t> yield_signal;
  // CLOCK_MONOTONIC ns of the container's earliest timer (0 = none): the
  // daemon grants a core when it is due, so a container without one needs
  // no kthread awake to notice its timers, and an adaptive daemon is awake
  // (polling) when it comes.
  std::atomic<uint64_t> next_timer_ns;
  uint8_t pad1[kCacheLine - 32];
};
static_assert(sizeof(ShmHeader) == 2 * kCacheLine);
static_assert(offsetof(ShmHeader, uthreads_total) == kCacheLine);
static_assert(offsetof(ShmHeader, polls_busy) == 52);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

struct alignas(kCacheLine) KthreadSlot {
  // --- cache line 0: written by the container (its kthread i) ---
  // CLOCK_MONOTONIC ns at which the oldest uthread now runnable on this
  // kthread became runnable; 0 = none. The daemon computes the age itself,
  // so a kthread that cannot run still shows a growing delay.
  std::atomic<uint64_t> oldest_runnable_since_ns;
  std::atomic<uint64_t> timer_lateness_ns;  // how late the earliest expired timer is
  std::atomic<uint64_t> heartbeat;          // incremented at scheduling points
  std::atomic<uint64_t> status;             // PackStatus(state, acked grant_seq)
  std::atomic<uint32_t> runnable;           // uthreads queued on this kthread
  std::atomic<uint32_t> rx_backlog;         // frames waiting in this kthread's rx ring
  std::atomic<uint32_t> tid;                // host thread id of the kthread (for yield_signal)
  uint8_t pad0[kCacheLine - 44];

  // --- cache line 1: written by the daemon ---
  // The futex word: the core granted to this kthread, kNoCore, or
  // kStandaloneGrant (written by the container's own client when the daemon
  // died; the only container write to this line).
  std::atomic<uint32_t> grant_core;
  std::atomic<uint32_t> yield_requested;  // 1: give the core back at the next scheduling point
  std::atomic<uint32_t> grant_seq;        // incremented per grant
  // Member slots: the host pid of the forked process the daemon assigned
  // the slot to (0: free). Its kthread runs on the slot's grants only
  // while this names its process (a slot reassigned after a daemon restart
  // is not its own any more).
  std::atomic<uint32_t> member_pid;
  std::atomic<uint64_t> grant_time_ns;    // CLOCK_MONOTONIC of the last grant
  // Member slots: this assignment's token (0: free), also in the
  // SCHED_JOIN reply. A process may have several kthreads, each on a slot
  // of its own: member_pid alone does not tell one that its slot went to
  // a sibling (after a daemon restart).
  std::atomic<uint32_t> member_token;
  uint8_t pad2[kCacheLine - 28];
};
static_assert(sizeof(KthreadSlot) == 2 * kCacheLine);
static_assert(offsetof(KthreadSlot, grant_core) == kCacheLine);
static_assert(offsetof(KthreadSlot, grant_core) % 4 == 0, "futex words are 4-byte aligned");
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// Bytes of the packet rings of a region with `slots` kthread slots: one
// net::PacketQueues (rings and buffers) per kthread.
inline constexpr uint64_t RingAreaBytes(uint32_t slots) {
  return uint64_t{slots} * net::kPacketQueuesBytes;
}
// Where they start: the first page boundary after the slots (the member
// slots included).
inline constexpr uint64_t RingOffset(uint32_t slots) {
  uint64_t end = sizeof(ShmHeader) + uint64_t{slots + kMemberSlots} * sizeof(KthreadSlot);
  return (end + 4095) & ~uint64_t{4095};
}
// The container's port table: after the rings (page-aligned: they are).
inline constexpr uint64_t PortTableOffset(uint32_t slots) {
  return RingOffset(slots) + RingAreaBytes(slots);
}
// The container's flow table: after the port table.
inline constexpr uint64_t FlowTableOffset(uint32_t slots) {
  return PortTableOffset(slots) + sizeof(net::NetPortTable);
}
// Segments parked for the process that claims their connection: after
// the flow table.
inline constexpr uint64_t ParkedOffset(uint32_t slots) {
  return FlowTableOffset(slots) + sizeof(net::NetFlowTable);
}
// Bytes of a region with `slots` kthread slots (page-multiple).
inline constexpr uint64_t RegionSize(uint32_t slots) {
  return ParkedOffset(slots) + sizeof(net::ParkedArea);
}

}  // namespace junction::sched
