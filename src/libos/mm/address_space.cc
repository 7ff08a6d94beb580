#include "libos/mm/address_space.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>
#include <vector>

#include "base/fork_written.h"
#include "libos/entry/rewrite.h"
#include "libos/entry/site_cache.h"
#include "libos/host/host.h"

namespace junction::libos {

namespace {

constexpr uintptr_t kPage = AddressSpace::kPageSize;

uintptr_t PageUp(uintptr_t v) { return (v + kPage - 1) & ~(kPage - 1); }
bool PageAligned(uintptr_t v) { return (v & (kPage - 1)) == 0; }

// Flags we pass to the host as given; anything else is rejected or dropped.
// MAP_32BIT among them: a program that reserves room with it and then maps
// MAP_FIXED at the next 2 MiB boundary (PHP's opcache, for huge pages)
// reaches up to 2 MiB past its reservation, and Linux's window below 2 GiB
// has nothing there; placed in the ordinary mmap area instead, that fixed
// map took the guest's own mappings just above (php-fpm's interned-string
// table: a later lookup spun for ever on the shared memory now there).
constexpr int kHostMapFlags = MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED |
                              MAP_32BIT | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE |
                              MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK |
                              MAP_STACK | MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE |
                              (0x3f << MAP_HUGE_SHIFT);

// Whether a new mapping starts as Vma::never_accessible (a locked or
// hugetlb one does not: MADV_DONTNEED must fail there with EINVAL).
bool NeverAccessibleMapping(int prot, int flags, int host_fd) {
  return prot == PROT_NONE && host_fd < 0 && (flags & MAP_TYPE) == MAP_PRIVATE &&
         (flags & MAP_ANONYMOUS) && !(flags & (MAP_LOCKED | MAP_HUGETLB));
}

// A thread stack (glibc's: MAP_STACK, private anonymous, 8 MiB) is placed
// so that its top ends kStackTopSpan past a 2 MiB boundary. The pages a
// thread touches (its TLS, descriptor and first frames, at the top) then
// share their page table with little else, and the MADV_DONTNEED of the
// rest of the stack at each thread exit walks a few page-table entries
// there instead of up to 512 (~400 ns per exit, docs/performance.md).
// mmap without MAP_FIXED may return any free range: Linux places this one
// wherever it fits. Costs two host munmaps per new stack (glibc caches
// stacks); if the padded reservation fails, the plain one is made.
constexpr uintptr_t kPmdSize = uintptr_t{2} << 20;
constexpr uintptr_t kStackTopSpan = uintptr_t{128} << 10;

bool IsThreadStackRequest(uintptr_t plen, int flags, int host_fd) {
  return (flags & MAP_STACK) && host_fd < 0 && (flags & MAP_TYPE) == MAP_PRIVATE &&
         !(flags & (MAP_GROWSDOWN | MAP_HUGETLB)) && plen >= kPmdSize;
}

long MmapThreadStack(uintptr_t plen, int prot, int flags) {
  long r = host::Mmap(0, plen + kPmdSize, prot, flags, -1, 0);
  if (r < 0) return host::Mmap(0, plen, prot, flags, -1, 0);
  uintptr_t lo = static_cast<uintptr_t>(r), hi = lo + plen + kPmdSize;
  // The first such end at or above lo + plen: below hi.
  uintptr_t end = ((lo + plen - kStackTopSpan + kPmdSize - 1) & ~(kPmdSize - 1)) + kStackTopSpan;
  uintptr_t start = end - plen;
  if (start > lo) host::Munmap(lo, start - lo);
  if (hi > end) host::Munmap(end, hi - end);
  return static_cast<long>(start);
}

}  // namespace

AddressSpace& AddressSpace::Get() {
  // Never destroyed; its lock is taken and released around every fork, so
  // it lives on the fork-written page rather than the heap.
  // Its own cache line: kthreads take its lock on every mm operation.
  JUNCTION_FORK_WRITTEN alignas(64) static unsigned char storage[sizeof(AddressSpace)];
  static AddressSpace* as = new (storage) AddressSpace();
  return *as;
}

bool AddressSpace::Lookup(uintptr_t addr, Vma* out) const {
  sched::SpinGuard g(lock_);
  const Vma* v = FindLocked(addr);
  if (v) *out = *v;
  return v != nullptr;
}

bool AddressSpace::LookupFrom(uintptr_t addr, Vma* out) const {
  sched::SpinGuard g(lock_);
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin() && std::prev(it)->second.end > addr) --it;
  if (it == vmas_.end()) return false;
  *out = it->second;
  return true;
}

bool AddressSpace::LookupBounds(uintptr_t addr, uintptr_t* start, uintptr_t* end,
                                int* prot) const {
  sched::SpinGuard g(lock_);
  const Vma* v = FindLocked(addr);
  if (!v) return false;
  *start = v->start;
  *end = v->end;
  *prot = v->prot;
  return true;
}

bool AddressSpace::LookupBounds(uintptr_t addr, Bounds* out) const {
  sched::SpinGuard g(lock_);
  const Vma* v = FindLocked(addr);
  if (!v) return false;
  int type = v->flags & MAP_TYPE;
  *out = Bounds{v->start, v->end, v->prot, type == MAP_SHARED || type == MAP_SHARED_VALIDATE,
                v->never_accessible};
  return true;
}

bool AddressSpace::CodeFileOf(uintptr_t addr, uint64_t* key, uint64_t* file_off, uintptr_t* start,
                              uintptr_t* end) const {
  sched::SpinGuard g(lock_);
  const Vma* v = FindLocked(addr);
  if (!v || !v->code_key) return false;
  *key = v->code_key;
  *file_off = v->offset + (addr - v->start);
  *start = v->start;
  *end = v->end;
  return true;
}

bool AddressSpace::IsSharedMapping(uintptr_t addr) const {
  sched::SpinGuard g(lock_);
  const Vma* v = FindLocked(addr);
  if (!v) return false;
  int type = v->flags & MAP_TYPE;
  return type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
}

bool AddressSpace::SharedFutexKey(uintptr_t addr, uint64_t* key) const {
  sched::SpinGuard g(lock_);
  const Vma* v = FindLocked(addr);
  if (!v) return false;
  int type = v->flags & MAP_TYPE;
  if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE) return false;
  *key = v->share_key ? v->share_key + ((v->offset + (addr - v->start)) >> 2) * 0xff51afd7ed558ccdull : addr >> 2;
  return true;
}

const Vma* AddressSpace::FindLocked(uintptr_t addr) const {
  auto it = vmas_.upper_bound(addr);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

bool AddressSpace::IsGuestRange(uintptr_t addr, size_t len, int prot) const {
  sched::SpinGuard g(lock_);
  return IsGuestRangeLocked(addr, len, prot);
}

bool AddressSpace::IsGuestRangeLocked(uintptr_t addr, size_t len, int prot) const {
  if (len == 0) return true;
  uintptr_t end = addr + len;
  if (end < addr) return false;
  while (addr < end) {
    const Vma* v = FindLocked(addr);
    if (!v || (v->prot & prot) != prot) return false;
    addr = v->end;
  }
  return true;
}

void AddressSpace::Track(const Vma& vma) {
  sched::SpinGuard g(lock_);
  TrackLocked(vma);
}

void AddressSpace::TrackLocked(const Vma& vma) {
  BumpGenerationLocked();
  if (vma.prot & PROT_EXEC) exec_generation_.fetch_add(1, std::memory_order_seq_cst);
  UntrackLocked(vma.start, vma.end);
  vmas_[vma.start] = vma;
}

void AddressSpace::UntrackLocked(uintptr_t start, uintptr_t end) {
  BumpGenerationLocked();
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin()) --it;
  while (it != vmas_.end() && it->second.start < end) {
    Vma v = it->second;
    if (v.end <= start) {
      ++it;
      continue;
    }
    if (v.prot & PROT_EXEC) exec_generation_.fetch_add(1, std::memory_order_seq_cst);
    it = vmas_.erase(it);
    if (v.start < start) {  // keep the head
      Vma head = v;
      head.end = start;
      vmas_[head.start] = head;
    }
    if (v.end > end) {  // keep the tail
      Vma tail = v;
      tail.start = end;
      if (!(tail.flags & MAP_ANONYMOUS)) tail.offset += end - v.start;
      it = vmas_.emplace(tail.start, tail).first;
      ++it;
    }
  }
}

bool AddressSpace::ClaimRange(uintptr_t start, uintptr_t end, Ranges* claimed_out) {
  Ranges claimed;
  uintptr_t cur = start;
  bool ok = true;
  while (cur < end && ok) {
    const Vma* v = FindLocked(cur);
    if (v) {
      cur = v->end;
      continue;
    }
    auto next = vmas_.upper_bound(cur);
    uintptr_t gap_end = (next == vmas_.end() || next->first > end) ? end : next->first;
    long r = host::Mmap(cur, gap_end - cur, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
    if (r < 0 || static_cast<uintptr_t>(r) != cur) {
      if (r >= 0) host::Munmap(static_cast<uintptr_t>(r), gap_end - cur);
      ok = false;
      break;
    }
    claimed.emplace_back(cur, gap_end);
    cur = gap_end;
  }
  if (!ok) {
    for (auto& [s, e] : claimed) host::Munmap(s, e - s);
  } else if (claimed_out) {
    *claimed_out = std::move(claimed);
  }
  return ok;
}

namespace {

// True if the host maps every page of [start,end): msync(MS_ASYNC) writes
// nothing back and fails with ENOMEM at a hole; it walks the host's VMAs,
// not the pages, so its cost does not grow with the length.
bool HostMapsAll(uintptr_t start, uintptr_t end) {
  return host::Syscall(SYS_msync, host::L(start), host::L(end - start), MS_ASYNC) != -ENOMEM;
}

// Whether the host maps none of [start,end): a MAP_FIXED_NOREPLACE probe
// takes the range only if all of it is free (EEXIST if some is mapped).
// kUnknown: the probe failed otherwise (a range the host would not map:
// beyond user space, too long), so no replace there unmapped anything.
enum class HostFree { kAll, kSome, kUnknown };
HostFree HostMapsNone(uintptr_t start, uintptr_t end) {
  long r = host::Mmap(start, end - start, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
  if (r == -EEXIST) return HostFree::kSome;
  if (r < 0) return HostFree::kUnknown;
  host::Munmap(static_cast<uintptr_t>(r), end - start);
  return static_cast<uintptr_t>(r) == start ? HostFree::kAll : HostFree::kUnknown;
}

}  // namespace

// Untracks the pages of [start,end) the host no longer maps. A range that
// is neither wholly mapped nor wholly free is halved, so the host calls
// grow with the number of holes times log(length), not with the length
// (the guest picks the length: page by page, 16 GiB took 13 s under the
// address-space lock).
void AddressSpace::ForgetHostHolesLocked(uintptr_t start, uintptr_t end) {
  if (end <= start || HostMapsAll(start, end)) return;
  HostFree free = HostMapsNone(start, end);
  if (free == HostFree::kAll) UntrackLocked(start, end);
  if (free != HostFree::kSome || end - start <= kPage) return;
  uintptr_t mid = start + (((end - start) / 2) & ~(kPage - 1));
  ForgetHostHolesLocked(start, mid);
  ForgetHostHolesLocked(mid, end);
}

// Linux may unmap the range a MAP_FIXED mmap (or an MREMAP_FIXED mremap)
// was to replace before the call fails: a TCP socket's mmap hook refuses
// PROT_WRITE (EPERM) only after the old pages are gone. The host then
// holds a hole where the VMAs still say guest memory; the LibOS may put
// its own memory there next (a trampoline page), and the guest's later
// munmap of the "guest" range would unmap it. So the guest VMAs the host
// no longer maps are forgotten (the guest sees them unmapped, as on
// Linux), and the gaps ClaimRange reserved are unmapped where they still
// stand. Only failures pay for these host calls.
void AddressSpace::ForgetFailedReplaceLocked(uintptr_t start, uintptr_t end, const Ranges& claimed) {
  for (const auto& [s, e] : claimed)
    if (HostMapsAll(s, e)) host::Munmap(s, e - s);
  if (vmas_.empty() || end <= start) return;
  ForgetHostHolesLocked(start, end);
}

SysResult<uintptr_t> AddressSpace::Mmap(uintptr_t addr, size_t len, int prot, int flags,
                                        int host_fd, uint64_t off, const std::string& name,
                                        uint64_t dev, uint64_t ino, const struct stat* host_st) {
  // A program's code: its file is looked up in the syscall-site cache, and
  // the sites other processes trapped at are rewritten before it runs.
  const bool code = host_fd >= 0 && (prot & PROT_EXEC) && !(prot & PROT_WRITE) &&
                    (flags & MAP_TYPE) == MAP_PRIVATE && g_rewrite_enabled;
  uint64_t code_key = 0, file_size = 0, share_key = 0;
  const bool shared = host_fd >= 0 && (flags & MAP_TYPE) != MAP_PRIVATE;
  if (host_fd >= 0 && ((!dev && !ino) || code || shared)) {
    struct stat st{};
    if (host_st) st = *host_st;
    if (host_st || host::Syscall(SYS_fstat, host_fd, host::L(&st)) == 0) {
      if (!dev && !ino) {
        dev = st.st_dev;
        ino = st.st_ino;
      }
      if (code && S_ISREG(st.st_mode)) {
        code_key = SiteCacheKey(st);
        file_size = static_cast<uint64_t>(st.st_size);
      }
      if (shared)
        share_key = (static_cast<uint64_t>(st.st_dev) * 0x9E3779B97F4A7C15ull ^
                     static_cast<uint64_t>(st.st_ino) * 0xC2B2AE3D27D4EB4Full) | 1;
    }
  }
  auto r = MmapLocked(addr, len, prot, flags, host_fd, off, name, dev, ino, code_key, share_key);
  if (r.ok() && code_key && file_size > off)
    RewriteKnownSites(*r, std::min<uint64_t>(PageUp(len), file_size - off), off, code_key);
  return r;
}

SysResult<uintptr_t> AddressSpace::MmapLocked(uintptr_t addr, size_t len, int prot, int flags,
                                              int host_fd, uint64_t off, const std::string& name,
                                              uint64_t dev, uint64_t ino, uint64_t code_key,
                                              uint64_t share_key) {
  sched::SpinGuard g(lock_);
  if (len == 0) return Errno{EINVAL};
  uintptr_t plen = PageUp(len);
  if (plen < len || plen > kUserTop) return Errno{ENOMEM};
  if (off & (kPage - 1)) return Errno{EINVAL};
  int type = flags & MAP_TYPE;
  if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
    return Errno{EINVAL};
  if (flags & ~kHostMapFlags) {
    if (type == MAP_SHARED_VALIDATE) return Errno{EOPNOTSUPP};
    flags &= kHostMapFlags;
  }
  bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  if (fixed) {
    if (!PageAligned(addr)) return Errno{EINVAL};
    if (addr + plen < addr || addr + plen > kUserTop) return Errno{ENOMEM};
  }
  Ranges claimed;
  const bool replaces = (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
  if (replaces) {
    // Replacing memory is fine only where it is the guest's (or unused).
    if (!ClaimRange(addr, addr + plen, &claimed)) return Errno{ENOMEM};
  } else if (!fixed && addr != 0 && !(flags & MAP_32BIT)) {
    // A hint: ask the host not to replace anything, fall back to anywhere.
    // (MAP_32BIT's hint goes to the host as given: Linux takes it only if
    // the mapping then ends below 2 GiB.)
    addr &= ~(kPage - 1);
    long r = host::Mmap(addr, plen, prot, (flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE, host_fd, off);
    if (r >= 0) {
      TrackLocked(Vma{static_cast<uintptr_t>(r), static_cast<uintptr_t>(r) + plen, prot, flags, off, dev,
                ino, name, NeverAccessibleMapping(prot, flags, host_fd), code_key, share_key});
      return static_cast<uintptr_t>(r);
    }
    if (r != -EEXIST) return Errno{static_cast<int>(-r)};
    addr = 0;
  }
  long r = addr == 0 && !fixed && IsThreadStackRequest(plen, flags, host_fd)
               ? MmapThreadStack(plen, prot, flags)
               : host::Mmap(addr, plen, prot, flags, host_fd, off);
  if (r < 0) {
    if (replaces) ForgetFailedReplaceLocked(addr, addr + plen, claimed);
    return Errno{static_cast<int>(-r)};
  }
  uintptr_t start = static_cast<uintptr_t>(r);
  TrackLocked(Vma{start, start + plen, prot, flags & ~(MAP_FIXED | MAP_FIXED_NOREPLACE), off, dev,
            ino, name, NeverAccessibleMapping(prot, flags, host_fd), code_key, share_key});
  return start;
}

SysResult<void> AddressSpace::Munmap(uintptr_t addr, size_t len) {
  sched::SpinGuard g(lock_);
  if (!PageAligned(addr) || len == 0) return Errno{EINVAL};
  uintptr_t end = addr + PageUp(len);
  if (end < addr || end > kUserTop) return Errno{EINVAL};
  // Unmap only the guest's parts; LibOS memory is "not mapped" to the guest.
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin()) --it;
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  for (; it != vmas_.end() && it->second.start < end; ++it) {
    uintptr_t s = std::max(it->second.start, addr), e = std::min(it->second.end, end);
    if (s < e) ranges.emplace_back(s, e);
  }
  for (auto& [s, e] : ranges) {
    long r = host::Munmap(s, e - s);
    if (r < 0) return Errno{static_cast<int>(-r)};
  }
  UntrackLocked(addr, end);
  return {};
}

SysResult<void> AddressSpace::Mprotect(uintptr_t addr, size_t len, int prot) {
  sched::SpinGuard g(lock_);
  if (!PageAligned(addr)) return Errno{EINVAL};
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
    return Errno{EINVAL};
  uintptr_t end = addr + PageUp(len);
  if (end < addr) return Errno{ENOMEM};
  if (len == 0) return {};
  if (!IsGuestRangeLocked(addr, end - addr, 0)) return Errno{ENOMEM};
  long r = host::Mprotect(addr, end - addr, prot & ~(PROT_GROWSDOWN | PROT_GROWSUP));
  if (r < 0) return Errno{static_cast<int>(-r)};
  // Split at the boundaries and update.
  std::vector<Vma> updated;
  for (uintptr_t cur = addr; cur < end;) {
    Vma v = *FindLocked(cur);
    uintptr_t s = std::max(v.start, addr), e = std::min(v.end, end);
    if (!(v.flags & MAP_ANONYMOUS)) v.offset += s - v.start;
    v.start = s;
    v.end = e;
    v.prot = prot & ~(PROT_GROWSDOWN | PROT_GROWSUP);
    if (v.prot & PROT_WRITE) v.code_key = 0;  // its bytes may stop being the file's
    if (v.prot != PROT_NONE) v.never_accessible = false;  // for good: it may hold pages now
    updated.push_back(v);
    cur = e;
  }
  for (const Vma& v : updated) TrackLocked(v);
  return {};
}

SysResult<uintptr_t> AddressSpace::Mremap(uintptr_t old_addr, size_t old_len, size_t new_len,
                                          int flags, uintptr_t new_addr) {
  sched::SpinGuard g(lock_);
  if (!PageAligned(old_addr)) return Errno{EINVAL};
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return Errno{EINVAL};
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return Errno{EINVAL};
  uintptr_t olen = PageUp(old_len), nlen = PageUp(new_len);
  if (nlen == 0) return Errno{EINVAL};
  const Vma* v = FindLocked(old_addr);
  if (!v || (olen && old_addr + olen > v->end)) return Errno{EFAULT};
  Vma base = *v;
  Ranges claimed;
  if (flags & MREMAP_FIXED) {
    if (!PageAligned(new_addr) || new_addr + nlen > kUserTop) return Errno{EINVAL};
    if (!ClaimRange(new_addr, new_addr + nlen, &claimed)) return Errno{ENOMEM};
  } else if (nlen > olen && !(flags & MREMAP_MAYMOVE)) {
    // Growing in place must not swallow LibOS memory: the host refuses if
    // anything is mapped right after, which includes LibOS memory.
  }
  long r = host::Syscall(SYS_mremap, host::L(old_addr), host::L(old_len), host::L(new_len), flags,
                         host::L(new_addr));
  if (r < 0) {
    // The target may be unmapped already: Linux unmaps it before some
    // of its checks (resize_is_valid) and before the move itself.
    if (flags & MREMAP_FIXED) ForgetFailedReplaceLocked(new_addr, new_addr + nlen, claimed);
    return Errno{static_cast<int>(-r)};
  }
  uintptr_t start = static_cast<uintptr_t>(r);
  if (!(flags & MREMAP_DONTUNMAP)) UntrackLocked(old_addr, old_addr + olen);
  Vma nv = base;
  if (!(nv.flags & MAP_ANONYMOUS)) nv.offset += old_addr - base.start;
  nv.start = start;
  nv.end = start + nlen;
  TrackLocked(nv);
  return start;
}

SysResult<void> AddressSpace::Madvise(uintptr_t addr, size_t len, int advice) {
  sched::SpinGuard g(lock_);
  if (!PageAligned(addr)) return Errno{EINVAL};
  if (len == 0) return {};
  uintptr_t end = addr + PageUp(len);
  if (end <= addr) return Errno{EINVAL};
  // As Linux does: the advice applies to every guest mapping in the range,
  // and a hole (unmapped, or LibOS memory) makes the result ENOMEM.
  // One host call per run of adjacent guest mappings (glibc's thread exit
  // advises a stack and its guard page together); MADV_DONTNEED leaves out
  // mappings that hold no page (Vma::never_accessible: the guard).
  bool hole = false;
  auto skipped = [&](const Vma* v) { return advice == MADV_DONTNEED && v->never_accessible; };
  for (uintptr_t cur = addr; cur < end;) {
    uintptr_t run = cur;
    while (cur < end) {
      const Vma* v = FindLocked(cur);
      if (!v) break;
      if (skipped(v)) {
        if (cur == run) run = std::min(v->end, end);
        else break;
      }
      cur = std::min(v->end, end);
    }
    if (cur > run) {
      long r = host::Syscall(SYS_madvise, host::L(run), host::L(cur - run), advice);
      if (r < 0) return Errno{static_cast<int>(-r)};
    }
    if (cur < end && !FindLocked(cur)) {
      hole = true;
      auto next = vmas_.upper_bound(cur);
      cur = next == vmas_.end() ? end : std::min(next->first, end);
    }
  }
  if (hole) return Errno{ENOMEM};
  return {};
}

void AddressSpace::ResetForExec() {
  sched::SpinGuard g(lock_);
  std::vector<std::pair<uintptr_t, uintptr_t>> doomed;
  // Adjacent mappings go in one munmap (an image's segments, a stack and
  // its guard): one host call and one TLB flush instead of one per mapping.
  for (const auto& [start, v] : vmas_) {
    if (v.name == "[vdso]" || v.name == "[vvar]") continue;
    if (!doomed.empty() && doomed.back().second == v.start) doomed.back().second = v.end;
    else doomed.emplace_back(v.start, v.end);
  }
  for (auto& [s, e] : doomed) {
    host::Munmap(s, e - s);
    UntrackLocked(s, e);
  }
  brk_start_ = brk_cur_ = 0;
}

void AddressSpace::InitBrk(uintptr_t start) {
  sched::SpinGuard g(lock_);
  brk_start_ = brk_cur_ = PageUp(start);
}

uintptr_t AddressSpace::Brk(uintptr_t requested) {
  sched::SpinGuard g(lock_);
  // Past the user half (brk(-1) among them) the page-rounded top would wrap
  // to 0 and the shrink below would unmap the whole image: Linux fails the
  // call, returning the current break.
  if (requested < brk_start_ || requested > kUserTop) return brk_cur_;
  uintptr_t old_top = PageUp(brk_cur_), new_top = PageUp(requested);
  if (new_top > old_top) {
    long r = host::Mmap(old_top, new_top - old_top, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (r < 0 || static_cast<uintptr_t>(r) != old_top) {
      if (r >= 0) host::Munmap(static_cast<uintptr_t>(r), new_top - old_top);
      return brk_cur_;
    }
    // Extend the [heap] VMA (or start it).
    const Vma* prev = old_top > brk_start_ ? FindLocked(old_top - 1) : nullptr;
    Vma heap = prev && prev->name == "[heap]" ? *prev : Vma{brk_start_, brk_start_, 0, 0, 0, 0, 0, "[heap]"};
    heap.end = new_top;
    heap.prot = PROT_READ | PROT_WRITE;
    heap.flags = MAP_PRIVATE | MAP_ANONYMOUS;
    TrackLocked(heap);
  } else if (new_top < old_top) {
    host::Munmap(new_top, old_top - new_top);
    UntrackLocked(new_top, old_top);
  }
  brk_cur_ = requested;
  return brk_cur_;
}

std::string AddressSpace::FormatMaps() const {
  sched::SpinGuard g(lock_);
  std::string out;
  char line[256];
  for (const auto& [start, v] : vmas_) {
    char perms[5] = {v.prot & PROT_READ ? 'r' : '-', v.prot & PROT_WRITE ? 'w' : '-',
                     v.prot & PROT_EXEC ? 'x' : '-', (v.flags & MAP_TYPE) == MAP_PRIVATE ? 'p' : 's',
                     0};
    int n = std::snprintf(line, sizeof(line), "%08lx-%08lx %s %08lx %02x:%02x %lu", v.start,
                          v.end, perms, static_cast<unsigned long>(v.offset), major(v.dev),
                          minor(v.dev), static_cast<unsigned long>(v.inode));
    out.append(line, static_cast<size_t>(n));
    if (!v.name.empty()) {
      out.append(static_cast<size_t>(n < 73 ? 73 - n : 1), ' ');
      out += v.name;
    }
    out += '\n';
  }
  return out;
}

}  // namespace junction::libos
