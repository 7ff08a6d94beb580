#include "libos/ipc/sysv/sysv_shm.h"

#include <fcntl.h>
#include <linux/ipc.h>
#include <linux/shm.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "libos/fs/shared_shm.h"
#include "libos/host/host.h"
#include "libos/ipc/sysv/sysv_registry.h"
#include "libos/mm/address_space.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos::sysv {

namespace {

constexpr uint32_t kShmDest = 01000;    // SHM_DEST: removed, destroyed at the last detach
constexpr uint32_t kShmLocked = 02000;  // SHM_LOCKED
constexpr uint64_t kPage = 4096;

// One shmat of this process (a fork child inherits the list with the
// memory). Guarded by the registry lock.
struct Attachment {
  uintptr_t addr;
  size_t len;  // page-rounded
  int idx;
  uint64_t serial;
  uint64_t dev, ino;  // the host file, as the VMAs record it
};
std::vector<Attachment> g_attached;
std::atomic<int> g_attached_count{0};

uint64_t Pages(uint64_t size) { return (size + kPage - 1) / kPage; }

// The segment's host file: <SharedSysvDir>/shm-<serial>.
void FilePath(uint64_t serial, char* out, size_t n) {
  std::snprintf(out, n, "%s/shm-%llu", fs::SharedSysvDir(), static_cast<unsigned long long>(serial));
}

bool SlotInUse(int i) { return Get()->shm[i].perm.in_use != 0; }

ShmSlot* FindId_locked(int id) { return FindId(Get()->shm, kShmMni, id); }

void Destroy_locked(int idx) {
  Region* r = Get();
  ShmSlot* s = &r->shm[idx];
  char path[160];
  FilePath(s->perm.serial, path, sizeof(path));
  host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(path), 0);
  r->shm_tot -= Pages(s->segsz);
  s->perm.in_use = 0;
  FreeIndex(r->shm_ids, idx, SlotInUse);
}

// One attachment of segment `idx` (if it is still the one of `serial`)
// ended: shm_close's bookkeeping.
void Detached_locked(int idx, uint64_t serial) {
  ShmSlot* s = &Get()->shm[idx];
  if (!s->perm.in_use || s->perm.serial != serial) return;
  s->dtime = NowSeconds();
  s->lpid = CallerPid();
  if (s->nattch > 0) s->nattch--;
  if (s->nattch == 0 && (s->perm.mode & kShmDest)) Destroy_locked(idx);
}

// Calls fn(start, end) for each piece of the attachment's range that a
// VMA of its file still maps (the guest may have unmapped or replaced
// parts); stops when fn returns false.
template <typename F>
void ForEachMappedPiece(const Attachment& at, F fn) {
  AddressSpace& as = AddressSpace::Get();
  uintptr_t end = at.addr + at.len;
  Vma v;
  for (uintptr_t cur = at.addr; cur < end && as.LookupFrom(cur, &v) && v.start < end; cur = v.end) {
    uintptr_t s = v.start > cur ? v.start : cur, e = v.end < end ? v.end : end;
    if (v.dev == at.dev && v.inode == at.ino && !fn(s, e)) return;
  }
}

bool StillMapped(const Attachment& at) {
  bool mapped = false;
  ForEachMappedPiece(at, [&](uintptr_t, uintptr_t) { return !(mapped = true); });
  return mapped;
}

// Linux's newseg checks, in its order, before a segment of `size` is made
// (`refused`: HostWouldRefuse's answer for it). 0 if it may be.
long CheckNewSegment_locked(size_t size, bool refused) {
  Region* r = Get();
  if (size < 1 || size > kShmMax) return -EINVAL;
  uint64_t pages = Pages(size);
  if (pages * kPage < size) return -ENOSPC;
  if (r->shm_tot + pages < r->shm_tot || r->shm_tot + pages > kShmAll) return -ENOSPC;
  if (size > static_cast<uint64_t>(INT64_MAX)) return -EINVAL;  // shmem_file_setup: past MAX_LFS_FILESIZE
  if (refused) return -ENOMEM;
  if (!*fs::SharedSysvDir()) return -ENOMEM;  // no host tmpfs for the pages
  return 0;
}

// The host file of a new segment, `serial`'s, sized to `pages` (made
// without the lock: no one can name it before the segment is added).
bool MakeSegmentFile(uint64_t serial, uint64_t pages) {
  char path[160];
  FilePath(serial, path, sizeof(path));
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(path), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  long t = fd < 0 ? fd : host::Syscall(SYS_ftruncate, fd, static_cast<long>(pages * kPage));
  if (fd >= 0) host::Syscall(SYS_close, fd);
  if (t < 0 && fd >= 0) host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(path), 0);
  return t >= 0;
}

// A new segment whose file MakeSegmentFile made.
long AddSegment_locked(int32_t key, size_t size, int flags, uint64_t serial) {
  Region* r = Get();
  uint32_t seq;
  int idx = AllocIndex(r->shm_ids, kShmMni, SlotInUse, &seq);
  if (idx < 0) return -ENOSPC;
  ShmSlot* s = &r->shm[idx];
  InitPerm(&s->perm, key, flags, seq);
  s->perm.serial = serial;
  s->segsz = size;
  s->atime = s->dtime = 0;
  s->ctime = NowSeconds();
  s->cpid = CallerPid();
  s->lpid = 0;
  s->nattch = 0;
  r->shm_tot += Pages(size);
  return IdOf(s->perm, idx);
}

void FillStat(const ShmSlot& s, shmid64_ds* out) {
  std::memset(out, 0, sizeof(*out));
  FillPerm(s.perm, &out->shm_perm);
  out->shm_segsz = s.segsz;
  out->shm_atime = s.atime;
  out->shm_dtime = s.dtime;
  out->shm_ctime = s.ctime;
  out->shm_cpid = s.cpid;
  out->shm_lpid = s.lpid;
  out->shm_nattch = s.nattch;
}

// Resident pages of the segment of serial `serial` (its host file's
// blocks; 0 once it is gone). A host call: made without the lock.
uint64_t ResidentPages(uint64_t serial) {
  char path[160];
  FilePath(serial, path, sizeof(path));
  struct stat st{};
  if (host::Syscall(SYS_newfstatat, AT_FDCWD, host::L(path), host::L(&st), 0) < 0) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512 / kPage;
}

}  // namespace

void ShmRepair_locked() {
  Region* r = Get();
  RecountIds(r->shm_ids, kShmMni, SlotInUse);
  r->shm_tot = 0;
  for (int i = 0; i <= r->shm_ids.max_idx; i++)
    if (SlotInUse(i)) r->shm_tot += Pages(r->shm[i].segsz);
}

namespace {

// Linux's shmem_acct_size for a new segment of `pages` (unless
// SHM_NORESERVE): under the host's heuristic overcommit, more than its RAM
// and swap is ENOMEM (the strict mode's commit limit is not followed).
bool HostWouldRefuse(uint64_t pages, int flags) {
  if (flags & SHM_NORESERVE) return false;
  static int overcommit = -1;  // /proc/sys/vm/overcommit_memory, read once
  if (overcommit < 0) {
    char c = '0';
    long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L("/proc/sys/vm/overcommit_memory"), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      host::Syscall(SYS_read, fd, host::L(&c), 1);
      host::Syscall(SYS_close, fd);
    }
    overcommit = c - '0';
  }
  if (overcommit == 1) return false;
  struct sysinfo si{};
  if (host::Syscall(SYS_sysinfo, host::L(&si)) < 0) return false;
  uint64_t limit = (static_cast<uint64_t>(si.totalram) + si.totalswap) * si.mem_unit / kPage;
  return pages > limit;
}

}  // namespace

long ShmGet(int32_t key, size_t size, int flags) {
  if (!Get()) return -ENOSYS;
  // Host calls before the lock: only a creation uses the answer.
  bool refused = (key == IPC_PRIVATE || (flags & IPC_CREAT)) && HostWouldRefuse(Pages(size), flags);
  constexpr long kMakeFile = LONG_MIN;
  uint64_t serial = 0;  // a new segment's file, once made
  long result;
  bool used = false;
  for (;;) {
    {
      Guard g;
      Region* r = Get();
      result = kMakeFile;
      if (key != IPC_PRIVATE) {
        for (int i = 0; i <= r->shm_ids.max_idx && result == kMakeFile; i++) {
          ShmSlot& s = r->shm[i];
          if (!s.perm.in_use || s.perm.key != key) continue;
          if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) result = -EEXIST;
          else if (s.segsz < size) result = -EINVAL;
          else if (!Permits(s.perm, flags)) result = -EACCES;
          else result = IdOf(s.perm, i);
        }
        if (result == kMakeFile && !(flags & IPC_CREAT)) result = -ENOENT;
      }
      if (result == kMakeFile) {
        if (long e = CheckNewSegment_locked(size, refused); e < 0) {
          result = e;
        } else if (serial) {
          result = AddSegment_locked(key, size, flags, serial);
          used = result >= 0;
        } else {
          serial = ++r->serials;
        }
      }
    }
    if (result != kMakeFile) break;
    // The file, then the checks again (the registry may have changed).
    if (!MakeSegmentFile(serial, Pages(size))) return -ENOMEM;
  }
  if (serial && !used) {
    char path[160];
    FilePath(serial, path, sizeof(path));
    host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(path), 0);
  }
  return result;
}

long ShmAt(int shmid, uintptr_t addr, int flags) {
  if (!Get()) return -ENOSYS;
  if (shmid < 0) return -EINVAL;
  int map_flags = MAP_SHARED;
  if (addr) {
    if (addr & (kPage - 1)) {
      if (!(flags & SHM_RND)) return -EINVAL;
      addr &= ~(kPage - 1);  // SHMLBA is a page on x86-64
      if (!addr && (flags & SHM_REMAP)) return -EINVAL;
    }
    map_flags |= (flags & SHM_REMAP) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
  } else if (flags & SHM_REMAP) {
    return -EINVAL;
  }
  int prot = PROT_READ, acc = kReadUgo;
  if (!(flags & SHM_RDONLY)) {
    prot |= PROT_WRITE;
    acc |= kWriteUgo;
  }
  if (flags & SHM_EXEC) {
    prot |= PROT_EXEC;
    acc |= kExecUgo;
  }
  int idx;
  uint64_t serial, size;
  int32_t key;
  {
    Guard g;
    ShmSlot* s = FindId_locked(shmid);
    if (!s) return -EINVAL;
    if (!Permits(s->perm, acc)) return -EACCES;
    idx = static_cast<int>(s - Get()->shm);
    serial = s->perm.serial;
    size = s->segsz;
    key = s->perm.key;
    s->nattch++;  // held across the mapping, so a removal cannot destroy it meanwhile
  }
  auto undo = [&](long err) {
    Guard g;
    ShmSlot* s = &Get()->shm[idx];
    if (s->perm.in_use && s->perm.serial == serial && s->nattch > 0) {
      s->nattch--;
      if (s->nattch == 0 && (s->perm.mode & kShmDest)) Destroy_locked(idx);
    }
    return err;
  };
  if (addr && addr + size < addr) return undo(-EINVAL);
  char path[160];
  FilePath(serial, path, sizeof(path));
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(path),
                          ((flags & SHM_RDONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return undo(-ENOMEM);
  struct stat st{};
  host::Syscall(SYS_fstat, fd, host::L(&st));
  char name[32];
  std::snprintf(name, sizeof(name), "/SYSV%08x (deleted)", static_cast<uint32_t>(key));
  auto m = AddressSpace::Get().Mmap(addr, size, prot, map_flags, static_cast<int>(fd), 0, name, st.st_dev,
                                    st.st_ino, &st);
  host::Syscall(SYS_close, fd);
  if (!m.ok()) return undo(m.error() == EEXIST ? -EINVAL : -m.error());
  Guard g;
  ShmSlot* s = &Get()->shm[idx];
  s->atime = NowSeconds();
  s->lpid = CallerPid();
  // A mapping over old attachments (SHM_REMAP) ended those it covers whole,
  // as Linux's munmap of their VMAs (shm_close) does; ones it covers in
  // part keep what is left.
  size_t len = static_cast<size_t>(Pages(size) * kPage);
  for (size_t i = 0; i < g_attached.size();) {
    const Attachment& old = g_attached[i];
    if (old.addr < *m || old.addr + old.len > *m + len) {
      i++;
      continue;
    }
    Detached_locked(old.idx, old.serial);
    g_attached.erase(g_attached.begin() + static_cast<long>(i));
  }
  g_attached.push_back({*m, len, idx, serial,
                        static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)});
  g_attached_count.store(static_cast<int>(g_attached.size()), std::memory_order_relaxed);
  return static_cast<long>(*m);
}

long ShmDt(uintptr_t addr) {
  if (!Get()) return -ENOSYS;
  if (addr & (kPage - 1)) return -EINVAL;
  Attachment at;
  {
    Guard g;
    size_t i = 0;
    while (i < g_attached.size() && g_attached[i].addr != addr) i++;
    if (i == g_attached.size()) return -EINVAL;
    at = g_attached[i];
    g_attached.erase(g_attached.begin() + static_cast<long>(i));
    g_attached_count.store(static_cast<int>(g_attached.size()), std::memory_order_relaxed);
  }
  // Only what still maps the segment: the guest may have replaced parts.
  ForEachMappedPiece(at, [](uintptr_t s, uintptr_t e) {
    (void)AddressSpace::Get().Munmap(s, e - s);
    return true;
  });
  Guard g;
  Detached_locked(at.idx, at.serial);
  return 0;
}

void ShmNoteUnmapped() {
  if (!Get() || g_attached_count.load(std::memory_order_relaxed) == 0) return;
  Guard g;
  for (size_t i = 0; i < g_attached.size();) {
    if (StillMapped(g_attached[i])) {
      i++;
      continue;
    }
    Detached_locked(g_attached[i].idx, g_attached[i].serial);
    g_attached.erase(g_attached.begin() + static_cast<long>(i));
  }
  g_attached_count.store(static_cast<int>(g_attached.size()), std::memory_order_relaxed);
}

void ShmDetachAll() {
  if (!Get() || g_attached.empty()) return;
  Guard g;
  for (const Attachment& at : g_attached) Detached_locked(at.idx, at.serial);
  g_attached.clear();
  g_attached_count.store(0, std::memory_order_relaxed);
}

bool ShmHasAttachments() { return g_attached_count.load(std::memory_order_relaxed) != 0; }

void ShmForkAttachments_locked(int delta) {
  for (const Attachment& at : g_attached) {
    ShmSlot* s = &Get()->shm[at.idx];
    if (!s->perm.in_use || s->perm.serial != at.serial) continue;
    if (delta > 0) {
      s->nattch++;
      s->atime = NowSeconds();  // shm_open at the fork's copy of the mapping
      s->lpid = CallerPid();
    } else if (s->nattch > 0) {
      s->nattch--;
    }
  }
}

long ShmCtl(int shmid, int cmd, uintptr_t buf) {
  if (!Get()) return -ENOSYS;
  if (cmd < 0 || shmid < 0) return -EINVAL;
  Region* r = Get();
  switch (cmd) {
    case IPC_INFO: {
      shminfo64 info{};
      info.shmmax = kShmMax;
      info.shmmin = 1;
      info.shmmni = kShmMni;
      info.shmseg = kShmMni;  // SHMSEG
      info.shmall = kShmAll;
      int max;
      {
        Guard g;
        max = MaxIndex(r->shm_ids, kShmMni);
      }
      CHECK(CopyToUser(buf, &info, sizeof(info)));
      return max;
    }
    case SHM_INFO: {
      shm_info info{};
      int max;
      std::vector<uint64_t> serials;
      {
        Guard g;
        info.used_ids = r->shm_ids.in_use;
        info.shm_tot = r->shm_tot;
        for (int i = 0; i <= r->shm_ids.max_idx; i++)
          if (r->shm[i].perm.in_use) serials.push_back(r->shm[i].perm.serial);
        max = MaxIndex(r->shm_ids, kShmMni);
      }
      for (uint64_t serial : serials) info.shm_rss += ResidentPages(serial);
      CHECK(CopyToUser(buf, &info, sizeof(info)));
      return max;
    }
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY: {
      shmid64_ds ds;
      long ret;
      {
        Guard g;
        ShmSlot* s = FindForStat(r->shm, kShmMni, shmid, cmd != IPC_STAT, &ret);
        if (!s) return -EINVAL;
        if (cmd != SHM_STAT_ANY && !Permits(s->perm, kReadUgo)) return -EACCES;
        FillStat(*s, &ds);
      }
      CHECK(CopyToUser(buf, &ds, sizeof(ds)));
      return ret;
    }
    case IPC_SET:
    case IPC_RMID: {
      shmid64_ds in{};
      if (cmd == IPC_SET) CHECK(CopyFromUser(&in, buf, sizeof(in)));
      Guard g;
      ShmSlot* s = FindId_locked(shmid);
      if (!s) return -EINVAL;
      if (!MayChange(s->perm)) return -EPERM;
      if (cmd == IPC_SET) {
        SetPerm(&s->perm, in.shm_perm.uid, in.shm_perm.gid, in.shm_perm.mode);
        s->ctime = NowSeconds();
      } else if (s->nattch) {
        s->perm.mode |= kShmDest;
        s->perm.key = IPC_PRIVATE;  // no longer found by its key
      } else {
        Destroy_locked(static_cast<int>(s - r->shm));
      }
      return 0;
    }
    case SHM_LOCK:
    case SHM_UNLOCK: {
      Guard g;
      ShmSlot* s = FindId_locked(shmid);
      if (!s) return -EINVAL;
      // Without CAP_IPC_LOCK only the owner or creator may (and Linux then
      // asks for an RLIMIT_MEMLOCK; the pages are never swapped here anyway).
      if (!MayChange(s->perm)) return -EPERM;
      if (cmd == SHM_LOCK) s->perm.mode |= kShmLocked;
      else s->perm.mode &= ~kShmLocked;
      return 0;
    }
    default:
      return -EINVAL;
  }
}

void ShmProcText(std::string* out) {
  *out = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
  if (!Get()) return;
  // The slots are copied under the lock; the files' sizes are looked at
  // after it (host calls).
  std::vector<std::pair<int, ShmSlot>> slots;
  {
    Guard g;
    Region* r = Get();
    for (int i = 0; i <= r->shm_ids.max_idx; i++)
      if (r->shm[i].perm.in_use) slots.emplace_back(i, r->shm[i]);
  }
  for (const auto& [i, s] : slots) {
    char line[320];
    std::snprintf(line, sizeof(line),
                  "%10d %10d  %4o %21llu %5u %5u  %5u %5u %5u %5u %5u %10lld %10lld %10lld %21llu %21llu\n",
                  s.perm.key, IdOf(s.perm, i), s.perm.mode, static_cast<unsigned long long>(s.segsz), s.cpid,
                  s.lpid, s.nattch, s.perm.uid, s.perm.gid, s.perm.cuid, s.perm.cgid,
                  static_cast<long long>(s.atime), static_cast<long long>(s.dtime),
                  static_cast<long long>(s.ctime),
                  static_cast<unsigned long long>(ResidentPages(s.perm.serial) * kPage), 0ULL);
    *out += line;
  }
}

}  // namespace junction::libos::sysv
