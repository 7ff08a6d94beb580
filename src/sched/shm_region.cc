#include "sched/shm_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace junction::sched {

namespace {

constexpr int kSizeSeals = F_SEAL_SHRINK | F_SEAL_GROW;

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

uint8_t* MapShared(int fd, uint64_t size, std::string* why) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    *why = Errno("mmap");
    return nullptr;
  }
  return static_cast<uint8_t*>(p);
}

}  // namespace

void InitializeRegion(ShmRegion* r, uint64_t container_id) {
  ShmHeader* h = r->header();
  h->magic = kShmMagic;
  h->version = kShmVersion;
  h->region_size = r->size();
  h->kthread_slots = r->slots();
  h->slot_offset = sizeof(ShmHeader);
  h->ring_offset = RingOffset(r->slots());
  h->ring_size = RingAreaBytes(r->slots());
  h->container_id = container_id;
  h->member_slots = kMemberSlots;
  for (uint32_t i = 0; i < r->slots(); i++) {
    KthreadSlot* s = r->slot(i);
    s->grant_seq.store(0, std::memory_order_relaxed);
    s->grant_time_ns.store(0, std::memory_order_relaxed);
    // A kthread still running from before (re-registration) gives its core
    // back and waits for a grant from this daemon.
    s->yield_requested.store(1, std::memory_order_relaxed);
    s->grant_core.store(kNoCore, std::memory_order_release);
  }
  // Member slots are assigned afresh (SCHED_JOIN). A forked process that
  // was a member of a previous daemon runs standalone: its slot no longer
  // names it.
  for (uint32_t i = r->slots(); i < r->total_slots(); i++) {
    KthreadSlot* s = r->slot(i);
    s->member_pid.store(0, std::memory_order_relaxed);
    s->member_token.store(0, std::memory_order_relaxed);
    s->grant_seq.store(0, std::memory_order_relaxed);
    s->grant_time_ns.store(0, std::memory_order_relaxed);
    s->yield_requested.store(0, std::memory_order_relaxed);
    s->grant_core.store(kStandaloneGrant, std::memory_order_release);
  }
}

std::optional<ShmRegion> ShmRegion::Create(uint32_t slots, uint64_t container_id,
                                           std::string* why) {
  if (slots == 0 || slots > kMaxKthreadSlots) {
    *why = "kthread slots out of range";
    return std::nullopt;
  }
  int fd = memfd_create("junction-sched", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    *why = Errno("memfd_create");
    return std::nullopt;
  }
  uint64_t size = RegionSize(slots);
  if (ftruncate(fd, static_cast<off_t>(size)) != 0 || fcntl(fd, F_ADD_SEALS, kSizeSeals | F_SEAL_SEAL) != 0) {
    *why = Errno("sizing the memfd");
    close(fd);
    return std::nullopt;
  }
  uint8_t* base = MapShared(fd, size, why);
  if (base == nullptr) {
    close(fd);
    return std::nullopt;
  }
  ShmRegion r(fd, base, size, slots);
  // A fresh memfd is zero: the container's counters start unpublished.
  r.header()->uthreads_total.store(kUnpublished, std::memory_order_relaxed);
  r.header()->preemptions.store(kUnpublished, std::memory_order_relaxed);
  InitializeRegion(&r, container_id);
  for (uint32_t i = 0; i < slots; i++) r.slot(i)->yield_requested.store(0, std::memory_order_relaxed);
  return r;
}

std::optional<ShmRegion> ShmRegion::Adopt(int fd, uint32_t slots, uint64_t container_id,
                                          std::string* why) {
  ShmRegion guard(fd, nullptr, 0, 0);  // closes fd on every early return
  if (slots == 0 || slots > kMaxKthreadSlots) {
    *why = "kthread slots out of range";
    return std::nullopt;
  }
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & kSizeSeals) != kSizeSeals) {
    *why = "offered region is not a memfd sealed against resizing";
    return std::nullopt;
  }
  struct stat st{};
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != RegionSize(slots)) {
    *why = "offered region has the wrong size";
    return std::nullopt;
  }
  uint8_t* base = MapShared(fd, RegionSize(slots), why);
  if (base == nullptr) return std::nullopt;
  guard.fd_ = -1;
  ShmRegion r(fd, base, RegionSize(slots), slots);
  InitializeRegion(&r, container_id);
  return r;
}

std::optional<ShmRegion> ShmRegion::MapReceived(int fd, std::string* why) {
  ShmRegion guard(fd, nullptr, 0, 0);
  struct stat st{};
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < sizeof(ShmHeader)) {
    *why = "received region is too small";
    return std::nullopt;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint8_t* base = MapShared(fd, size, why);
  if (base == nullptr) return std::nullopt;
  guard.fd_ = -1;
  ShmRegion r(fd, base, size, 0);
  const ShmHeader* h = r.header();
  if (h->magic != kShmMagic || h->version != kShmVersion) {
    *why = "received region has an unknown magic or version";
    return std::nullopt;
  }
  if (h->kthread_slots == 0 || h->kthread_slots > kMaxKthreadSlots ||
      h->region_size != size || RegionSize(h->kthread_slots) != size ||
      h->slot_offset != sizeof(ShmHeader) || h->member_slots != kMemberSlots) {
    *why = "received region has an inconsistent header";
    return std::nullopt;
  }
  r.slots_ = h->kthread_slots;
  return r;
}

ShmRegion::ShmRegion(ShmRegion&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      base_(std::exchange(o.base_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      slots_(std::exchange(o.slots_, 0)) {}

ShmRegion& ShmRegion::operator=(ShmRegion&& o) noexcept {
  if (this != &o) {
    Release();
    fd_ = std::exchange(o.fd_, -1);
    base_ = std::exchange(o.base_, nullptr);
    size_ = std::exchange(o.size_, 0);
    slots_ = std::exchange(o.slots_, 0);
  }
  return *this;
}

ShmRegion::~ShmRegion() { Release(); }

void ShmRegion::Release() {
  if (base_ != nullptr) munmap(base_, size_);
  if (fd_ >= 0) close(fd_);
  base_ = nullptr;
  fd_ = -1;
}

}  // namespace junction::sched
