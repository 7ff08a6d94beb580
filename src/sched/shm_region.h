// One mapping of a daemon/container shared region (shm_protocol.h): a
// sealed memfd mapped MAP_SHARED. Move-only; unmaps and closes on
// destruction. No exceptions: the factories return nullopt and say why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sched/shm_protocol.h"

namespace junction::sched {

class ShmRegion {
 public:
  // Daemon: a new region for a container with `slots` kthreads (1..256),
  // header filled in, every grant word kNoCore, the size sealed.
  static std::optional<ShmRegion> Create(uint32_t slots, uint64_t container_id, std::string* why);
  // Daemon: a region offered back by a re-registering container. Accepted
  // only if it is a memfd sealed against shrinking and growing and exactly
  // RegionSize(slots) long; the daemon then rewrites the header and resets
  // every daemon-written word (each kthread is asked to yield). Takes `fd`.
  static std::optional<ShmRegion> Adopt(int fd, uint32_t slots, uint64_t container_id,
                                        std::string* why);
  // Container: maps the region the daemon sent. Checks magic, version and
  // that the header's sizes match the file. Takes `fd`.
  static std::optional<ShmRegion> MapReceived(int fd, std::string* why);

  ShmRegion(ShmRegion&& o) noexcept;
  ShmRegion& operator=(ShmRegion&& o) noexcept;
  ShmRegion(const ShmRegion&) = delete;
  ShmRegion& operator=(const ShmRegion&) = delete;
  ~ShmRegion();

  ShmHeader* header() const { return reinterpret_cast<ShmHeader*>(base_); }
  // i < total_slots(): the first process's kthread slots [0, slots()),
  // then the member slots. Both counts come from our own bookkeeping,
  // never re-read.
  KthreadSlot* slot(uint32_t i) const {
    return reinterpret_cast<KthreadSlot*>(base_ + sizeof(ShmHeader)) + i;
  }
  // Kthread i's packet rings, i < slots().
  net::PacketQueues* queues(uint32_t i) const {
    return reinterpret_cast<net::PacketQueues*>(base_ + RingOffset(slots_)) + i;
  }
  // Which of the container's processes receive on each port.
  net::NetPortTable* port_table() const {
    return reinterpret_cast<net::NetPortTable*>(base_ + PortTableOffset(slots_));
  }
  // Which of them owns each TCP connection several hold since a fork.
  net::NetFlowTable* flow_table() const {
    return reinterpret_cast<net::NetFlowTable*>(base_ + FlowTableOffset(slots_));
  }
  // Segments parked for the process that claims their connection.
  net::ParkedArea* parked() const {
    return reinterpret_cast<net::ParkedArea*>(base_ + ParkedOffset(slots_));
  }
  uint32_t slots() const { return slots_; }
  uint32_t total_slots() const { return slots_ + kMemberSlots; }
  uint64_t size() const { return size_; }
  int fd() const { return fd_; }

 private:
  ShmRegion(int fd, uint8_t* base, uint64_t size, uint32_t slots)
      : fd_(fd), base_(base), size_(size), slots_(slots) {}
  void Release();

  int fd_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint32_t slots_ = 0;
};

// Daemon side: (re)writes the header and resets the daemon-written words.
void InitializeRegion(ShmRegion* r, uint64_t container_id);

}  // namespace junction::sched
