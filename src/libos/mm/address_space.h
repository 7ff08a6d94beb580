// The guest's address space: every guest mapping is a VMA here, so that
// /proc/self/maps, mprotect, munmap, mremap and MAP_FIXED behave as on Linux
// and the guest can never map over, unmap or reprotect LibOS memory (which
// is simply "not mapped" from the guest's point of view).
//
// Locking: every public method takes the mm lock (a spinlock: it is held
// briefly and never across a blocking call); the *Locked helpers expect it
// held. Lock order: the mm lock before any VFS lock. Host signal handlers
// may take it only when they interrupted guest code (then this kthread does
// not hold it).
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/sys_result.h"
#include "sched/spinlock.h"

namespace junction::libos {

struct Vma {
  uintptr_t start = 0;
  uintptr_t end = 0;  // exclusive
  int prot = 0;       // PROT_*
  int flags = 0;      // MAP_PRIVATE / MAP_SHARED / MAP_ANONYMOUS ...
  uint64_t offset = 0;
  uint64_t dev = 0, inode = 0;
  std::string name;   // file path, "[heap]", "[stack]", "[vdso]", ""
  // Private anonymous memory that has had no access rights since it was
  // mapped (a thread stack's guard page): the host holds no page of it, so
  // MADV_DONTNEED there has nothing to drop and skips the host call.
  // Nothing but mprotect can give it access (the LibOS never uses
  // FOLL_FORCE writes such as /proc/self/mem on guest memory).
  bool never_accessible = false;
  // A private, executable file mapping: its file's key in the syscall-site
  // cache (entry/site_cache.h), else 0.
  uint64_t code_key = 0;
  // A MAP_SHARED file mapping: its host file's identity (device and inode
  // of the host descriptor, the same in every process that maps it), else
  // 0. Keys its futexes across processes (SharedFutexKey).
  uint64_t share_key = 0;
};

class AddressSpace {
 public:
  static constexpr uintptr_t kPageSize = 4096;
  static constexpr uintptr_t kUserTop = 0x7ffffffff000;  // TASK_SIZE

  // Linux mmap semantics for the guest. `host_fd` is the backing host fd
  // (-1 for anonymous). MAP_FIXED over memory that is not the guest's fails
  // with ENOMEM; the hint is only a hint otherwise. `dev`/`ino` name the
  // file in /proc/self/maps (both 0: the host descriptor's own).
  // `host_st`: the host descriptor's fstat if the caller has it (else one
  // is made when needed).
  SysResult<uintptr_t> Mmap(uintptr_t addr, size_t len, int prot, int flags, int host_fd,
                            uint64_t off, const std::string& name, uint64_t dev = 0,
                            uint64_t ino = 0, const struct stat* host_st = nullptr);
  SysResult<void> Munmap(uintptr_t addr, size_t len);
  SysResult<void> Mprotect(uintptr_t addr, size_t len, int prot);
  SysResult<uintptr_t> Mremap(uintptr_t old_addr, size_t old_len, size_t new_len, int flags,
                              uintptr_t new_addr);
  SysResult<void> Madvise(uintptr_t addr, size_t len, int advice);

  // brk emulation (the host brk belongs to the LibOS).
  void InitBrk(uintptr_t start);
  uintptr_t Brk(uintptr_t requested);

  // True if [addr, addr+len) lies entirely in guest VMAs that allow `prot`
  // (PROT_READ and/or PROT_WRITE). len 0 is always valid.
  bool IsGuestRange(uintptr_t addr, size_t len, int prot) const;
  // Copies the VMA containing addr into *out; false if none.
  bool Lookup(uintptr_t addr, Vma* out) const;
  // Copies the first VMA that ends past addr (the one containing it, else
  // the next one) into *out; false if none.
  bool LookupFrom(uintptr_t addr, Vma* out) const;
  // The bounds and protection of the VMA containing addr, without copying
  // its name: no allocation, so usable from host signal handlers.
  bool LookupBounds(uintptr_t addr, uintptr_t* start, uintptr_t* end, int* prot) const;
  // The same plus what lazy handlers need to know about it (one lock).
  struct Bounds {
    uintptr_t start, end;
    int prot;
    bool shared;            // MAP_SHARED
    bool never_accessible;  // Vma::never_accessible
  };
  bool LookupBounds(uintptr_t addr, Bounds* out) const;
  // For addr in a mapping with a code_key: the key, the file offset of
  // addr and the mapping's bounds. No allocation (the SIGSYS handler).
  bool CodeFileOf(uintptr_t addr, uint64_t* key, uint64_t* file_off, uintptr_t* start,
                  uintptr_t* end) const;
  // True if addr lies in a MAP_SHARED mapping (memory other processes of
  // the container may map too).
  bool IsSharedMapping(uintptr_t addr) const;
  // The same, and then the key other processes find this word by: for a
  // file, its host identity and offset (mapped anywhere); for shared
  // anonymous memory (inherited across fork), its address.
  bool SharedFutexKey(uintptr_t addr, uint64_t* key) const;

  // execve: unmaps every guest mapping except the vDSO ([vvar], [vdso]).
  void ResetForExec();

  // /proc/self/maps text for the guest's mappings.
  std::string FormatMaps() const;

  // Records an existing mapping made by the LibOS on the guest's behalf
  // (vDSO image, loader segments already mapped).
  void Track(const Vma& vma);

  static AddressSpace& Get();

  // Changes whenever a VMA is added, removed or changed (read without the
  // lock by libos_context.h's KnownGuestRange).
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  const std::atomic<uint64_t>* generation_word() const { return &generation_; }
  // Changes whenever a VMA with PROT_EXEC is added, removed or changed:
  // equal values mean the same executable mappings (entry/rewrite.cc
  // shares syscall sites between a forked child and its parent by it).
  uint64_t exec_generation() const { return exec_generation_.load(std::memory_order_acquire); }

  // Host fork: held across the fork so the child never inherits the lock
  // taken by another kthread mid-update; released in parent and child.
  void ForkLock() { lock_.lock(); }
  void ForkUnlock() { lock_.unlock(); }

 private:
  SysResult<uintptr_t> MmapLocked(uintptr_t addr, size_t len, int prot, int flags, int host_fd,
                                  uint64_t off, const std::string& name, uint64_t dev,
                                  uint64_t ino, uint64_t code_key, uint64_t share_key = 0);
  const Vma* FindLocked(uintptr_t addr) const;
  bool IsGuestRangeLocked(uintptr_t addr, size_t len, int prot) const;
  void TrackLocked(const Vma& vma);
  void UntrackLocked(uintptr_t start, uintptr_t end);
  // Reserves the gaps in [start,end) not owned by the guest with
  // MAP_FIXED_NOREPLACE; fails (and undoes) if LibOS memory is there.
  // `claimed` (if given) receives the reserved gaps.
  using Ranges = std::vector<std::pair<uintptr_t, uintptr_t>>;
  bool ClaimRange(uintptr_t start, uintptr_t end, Ranges* claimed = nullptr);
  // After a host call that was to replace [start,end) failed: gives back
  // the `claimed` reservations and forgets the guest VMAs the host no
  // longer maps there (see the definition).
  void ForgetFailedReplaceLocked(uintptr_t start, uintptr_t end, const Ranges& claimed);
  void ForgetHostHolesLocked(uintptr_t start, uintptr_t end);

  mutable sched::SpinLock lock_;
  std::atomic<uint64_t> generation_{1};  // bumped under lock_ before every change
  std::atomic<uint64_t> exec_generation_{1};  // bumped under lock_ (see exec_generation)
  void BumpGenerationLocked() { generation_.fetch_add(1, std::memory_order_seq_cst); }
  std::map<uintptr_t, Vma> vmas_;  // keyed by start; guarded by lock_
  uintptr_t brk_start_ = 0;
  uintptr_t brk_cur_ = 0;
};

}  // namespace junction::libos
