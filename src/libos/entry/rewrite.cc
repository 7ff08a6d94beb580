#include "libos/entry/rewrite.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <span>

#include "libos/entry/carried_insns.h"
#include "libos/entry/site_cache.h"
#include "libos/entry/split_patch.h"
#include "libos/host/host.h"
#include "libos/mm/address_space.h"
#include "sched/spinlock.h"
#include "base/fork_written.h"

extern "C" void junction_syscall_entry();

namespace junction::libos {

bool g_rewrite_enabled = true;

namespace {

JUNCTION_FORK_WRITTEN sched::SpinLock g_rewrite_lock;
std::atomic<uintptr_t> g_patching_site{0};

constexpr uintptr_t kPage = 4096;
constexpr size_t kSlotSize = 48;
// Where a shape-B trampoline's relocated instructions start: after lea,
// mov, call, lea.
constexpr uintptr_t kRelocatedOffset = 5 + 5 + 6 + 8;
constexpr size_t kSlotsPerPage = kPage / kSlotSize - 1;  // slot 0 holds the entry pointer
constexpr int kMaxPages = 256;
constexpr int64_t kRel32Reach = (int64_t{1} << 31) - 2 * kPage;

// Trampolines are executed through `base` (read+exec, near the code) and
// written through `rw`, a second mapping of the same memfd page, so other
// kthreads can keep running trampolines in a page while one is added.
struct TrampolinePage {
  uintptr_t base;
  uintptr_t rw;
  size_t used;
};
TrampolinePage g_pages[kMaxPages];
int g_num_pages = 0;
// After a host fork the pages are still the parent's (MAP_SHARED memfd):
// the child takes private copies before it first writes a trampoline
// (most children exec or exit first and never do). Guarded by
// g_rewrite_lock.
JUNCTION_FORK_WRITTEN bool g_pages_shared_with_parent = false;

void PrivatizePages_locked();

// Sites that have trapped once and not been rewritten yet. A site is
// rewritten on its second trap: a rewrite (two mprotects, a copy-on-write
// copy of the text page, a VMA split, sometimes a new trampoline page)
// costs several traps, and most sites of a short-lived process (a forked
// child that exits, a program run once by a shell, ld.so's start-up) run
// once. Open addressing keyed by the resume address; cleared at execve.
// Guarded by g_rewrite_lock.
constexpr int kTrappedOnceSlots = 1024;
uintptr_t g_trapped_once[kTrappedOnceSlots];
int g_trapped_once_count = 0;

// Sites a forked child traps at are rewritten in its parent too, so that
// the parent's next children inherit them rewritten instead of trapping
// again (a child's own rewrite is lost when it exits or execs). The child
// appends (site, nr) to a MAP_SHARED log its parent created before the
// fork; the parent applies new entries before its next fork. An entry
// carries the parent's executable-mapping generation at the fork: the
// child logs only while its executable mappings are still those of the
// fork, the parent applies only while its own still are, so the bytes
// at the site are the instruction the child trapped at (read-only
// mappings only: a writable one may change without a VMA change).
struct ChildSite {
  std::atomic<uintptr_t> after;  // 0 until the entry is complete
  uint64_t nr;
  uint64_t exec_generation;
};
struct ChildSiteLog {
  std::atomic<uint32_t> next;
  ChildSite sites[1023];
};
JUNCTION_FORK_WRITTEN ChildSiteLog* g_children_log = nullptr;  // ours, for our children (lazy)
JUNCTION_FORK_WRITTEN uint32_t g_children_log_applied = 0;     // entries of it already applied
JUNCTION_FORK_WRITTEN ChildSiteLog* g_parent_log = nullptr;    // our parent's (a forked child until exec)
JUNCTION_FORK_WRITTEN uint64_t g_fork_exec_generation = 0;     // the parent's at our fork

constexpr size_t kLogSites = sizeof(ChildSiteLog::sites) / sizeof(ChildSite);

void LogSiteForParent_locked(uintptr_t after, long nr, int prot) {
  if (!g_parent_log || (prot & PROT_WRITE)) return;
  if (AddressSpace::Get().exec_generation() != g_fork_exec_generation) return;
  uint32_t i = g_parent_log->next.fetch_add(1, std::memory_order_relaxed);
  if (i >= kLogSites) return;
  ChildSite& e = g_parent_log->sites[i];
  e.nr = static_cast<uint64_t>(nr);
  e.exec_generation = g_fork_exec_generation;
  e.after.store(after, std::memory_order_release);
}

// True if `after` has trapped before (or the table is full); otherwise
// records it and returns false.
bool TrappedBefore_locked(uintptr_t after) {
  if (g_trapped_once_count >= kTrappedOnceSlots / 2) return true;
  uint32_t h = static_cast<uint32_t>((after * 0x9E3779B97F4A7C15ull) >> 40);
  for (int i = 0; i < kTrappedOnceSlots; i++) {
    uintptr_t& slot = g_trapped_once[(h + i) % kTrappedOnceSlots];
    if (slot == after) return true;
    if (slot == 0) {
      slot = after;
      g_trapped_once_count++;
      return false;
    }
  }
  return true;
}

// Shape B's instruction after the syscall (relocated into the trampoline).
constexpr uint8_t kCmpRax4096[] = {0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff};

bool InReach(uintptr_t from, uintptr_t to) {
  int64_t d = static_cast<int64_t>(to) - static_cast<int64_t>(from);
  return d > -kRel32Reach && d < kRel32Reach;
}

TrampolinePage* NewPageNear(uintptr_t site) {
  if (g_num_pages == kMaxPages) return nullptr;
  long fd = host::Syscall(SYS_memfd_create, host::L("junction-trampolines"), MFD_CLOEXEC);
  if (fd < 0) return nullptr;
  TrampolinePage* result = nullptr;
  long rw = -1;
  if (host::Syscall(SYS_ftruncate, fd, kPage) == 0)
    rw = host::Mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(fd), 0);
  auto adopt = [&](uintptr_t base) {
    auto entry = reinterpret_cast<uintptr_t>(&junction_syscall_entry);
    std::memcpy(reinterpret_cast<void*>(rw), &entry, sizeof(entry));
    g_pages[g_num_pages] = {base, static_cast<uintptr_t>(rw), 0};
    result = &g_pages[g_num_pages];
    __atomic_store_n(&g_num_pages, g_num_pages + 1, __ATOMIC_RELEASE);  // TrapRestartAddress
  };
  uintptr_t page = site & ~(kPage - 1);
  // First the host's own choice for a hint next to the site: a free page
  // among the other mappings, in reach as a rule (one call where probing
  // the distances below took up to five: an exec'd ld.so's neighbours).
  if (rw >= 0 && page > (uintptr_t{1} << 20)) {
    long r = host::Mmap(page - (uintptr_t{1} << 20), kPage, PROT_READ | PROT_EXEC, MAP_SHARED,
                        static_cast<int>(fd), 0);
    auto base = static_cast<uintptr_t>(r);
    if (r >= 0 && base >= 0x10000 && InReach(site, base) && InReach(site, base + kPage)) adopt(base);
    else if (r >= 0) host::Munmap(base, kPage);
  }
  for (uintptr_t d = uintptr_t{1} << 20; rw >= 0 && !result && d < (uintptr_t{1} << 30); d <<= 1) {
    for (int dir = -1; dir <= 1 && !result; dir += 2) {
      if (dir < 0 && d > page) continue;
      uintptr_t hint = dir < 0 ? page - d : page + d;
      if (hint < 0x10000 || hint >= AddressSpace::kUserTop) continue;
      long r = host::Mmap(hint, kPage, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED_NOREPLACE,
                          static_cast<int>(fd), 0);
      if (r >= 0) adopt(static_cast<uintptr_t>(r));
    }
  }
  if (!result && rw >= 0) host::Munmap(static_cast<uintptr_t>(rw), kPage);
  host::Syscall(SYS_close, fd);
  return result;
}

// Emits the trampoline for a site: it makes the syscall entry with %eax =
// nr, then runs `relocated` (instructions copied from after the syscall,
// position-independent) and jumps to `resume`. Returns its address, or 0.
// `before_rip_target`: if nonzero, `before` ends in a RIP-relative
// instruction whose last four bytes are its displacement, re-aimed here.
uintptr_t EmitTrampoline(uintptr_t site, std::span<const uint8_t> before, bool set_nr,
                         uint32_t nr, std::span<const uint8_t> relocated, uintptr_t resume,
                         uintptr_t before_rip_target = 0) {
  if (g_pages_shared_with_parent) PrivatizePages_locked();
  TrampolinePage* tp = nullptr;
  for (int i = 0; i < g_num_pages; i++) {
    if (g_pages[i].used < kSlotsPerPage && InReach(site, g_pages[i].base)) {
      tp = &g_pages[i];
      break;
    }
  }
  if (!tp) tp = NewPageNear(site);
  if (!tp) return 0;
  uintptr_t slot = tp->base + kSlotSize * (tp->used + 1);
  uint8_t code[kSlotSize];
  std::memset(code, 0xcc, sizeof(code));
  size_t n = 0;
  auto emit = [&](std::initializer_list<uint8_t> bytes) {
    for (uint8_t b : bytes) code[n++] = b;
  };
  auto emit32 = [&](uint32_t v) {
    std::memcpy(code + n, &v, 4);
    n += 4;
  };
  for (uint8_t b : before) code[n++] = b;  // e.g. mov 0x8(%rsp),%r9, at the site's %rsp
  if (before_rip_target) {
    int64_t d = static_cast<int64_t>(before_rip_target) - static_cast<int64_t>(slot + n);
    if (d != static_cast<int32_t>(d)) return 0;
    uint32_t disp = static_cast<uint32_t>(static_cast<int32_t>(d));
    std::memcpy(code + n - 4, &disp, 4);
  }
  emit({0x48, 0x8d, 0x64, 0x24, 0x80});    // lea -0x80(%rsp),%rsp
  if (set_nr) {
    emit({0xb8});                          // mov $nr,%eax
    emit32(nr);
  }
  emit({0xff, 0x15});                    // call *entry(%rip)
  emit32(static_cast<uint32_t>(static_cast<int32_t>(tp->base - (slot + n + 4))));
  emit({0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00});  // lea 0x80(%rsp),%rsp
  for (uint8_t b : relocated) code[n++] = b;                // e.g. cmp $-4096,%rax
  emit({0xe9});                                            // jmp resume
  emit32(static_cast<uint32_t>(static_cast<int32_t>(resume - (slot + n + 4))));
  // Written through the RW alias; visible at `slot` before the site is
  // patched to jump there (the patch's fences order it).
  std::memcpy(reinterpret_cast<void*>(tp->rw + (slot - tp->base)), code, sizeof(code));
  tp->used++;
  return slot;
}

// Shape E: true if no 2-byte branch (jmp rel8, jcc rel8, loop/jrcxz) within
// reach of the site could land inside the 5 bytes the patch covers, other
// than at the site itself. A byte scan, not a decode: it may see a branch
// where there is none (then the site stays on the trap path), never miss one.
bool NoShortBranchInto(uintptr_t site, uintptr_t vstart, uintptr_t vend) {
  uintptr_t from = site - vstart > 130 ? site - 130 : vstart;
  uintptr_t to = vend - site > 140 ? site + 140 : vend - 1;
  for (uintptr_t a = from; a < to; a++) {
    uint8_t op = *reinterpret_cast<const uint8_t*>(a);
    if (op != 0xeb && (op < 0x70 || op > 0x7f) && (op < 0xe0 || op > 0xe3)) continue;
    auto disp = static_cast<int8_t>(*reinterpret_cast<const uint8_t*>(a + 1));
    uintptr_t target = a + 2 + static_cast<intptr_t>(disp);
    if (target > site && target < site + 5) return false;
  }
  return true;
}

// Shapes B, E and G: the jump covers the instructions before the syscall
// (`carried` bytes of them, redone at the trampoline's start: `before`, or
// B's xor as the trampoline's `mov $0,%eax`), the syscall, and perhaps the
// point after it. A context saved at one of those boundaries resumes at
// the trampoline's equivalent (split_patch.h). False if they cannot be
// recorded: the site then stays on the trap path.
bool NoteSplitPoints_locked(uintptr_t site, uintptr_t after, size_t carried, uintptr_t tramp,
                            uintptr_t relocated_at) {
  uintptr_t syscall_at = after - 2;
  if (syscall_at >= site + 5) return true;  // the jump replaces exactly one instruction
  SplitPatchPoint points[3];
  size_t n = 0;
  // E's `xor %edi,%edi; mov %edx,%eax`: the mov, copied at the same offset.
  if (carried == 4) points[n++] = {site + 2, tramp + 2, site, tramp};
  points[n++] = {syscall_at, tramp + carried, site, tramp};
  if (relocated_at && after < site + 5) points[n++] = {after, relocated_at, site, tramp};
  return NoteSplitPatchPoints(points, n);
}

}  // namespace

void RewriteForkLock() { g_rewrite_lock.lock(); }
void RewriteForkUnlock() { g_rewrite_lock.unlock(); }

namespace {

// The pages are MAP_SHARED memfd mappings: after a host fork parent and
// child would fill the same slots. Give the child private copies.
void PrivatizePages_locked() {
  g_pages_shared_with_parent = false;
  for (int i = 0; i < g_num_pages; i++) {
    TrampolinePage& tp = g_pages[i];
    long fd = host::Syscall(SYS_memfd_create, host::L("junction-trampolines"), MFD_CLOEXEC);
    long rw = -1;
    if (fd >= 0 && host::Syscall(SYS_ftruncate, fd, kPage) == 0)
      rw = host::Mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(fd), 0);
    if (rw >= 0) {
      std::memcpy(reinterpret_cast<void*>(rw), reinterpret_cast<const void*>(tp.rw), kPage);
      host::Mmap(tp.base, kPage, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, static_cast<int>(fd), 0);
      host::Munmap(tp.rw, kPage);
      tp.rw = static_cast<uintptr_t>(rw);
    }
    if (fd >= 0) host::Syscall(SYS_close, fd);
  }
}

}  // namespace

// Six host calls and a page copy per trampoline page, deferred to the
// first new trampoline (EmitTrampoline): a child that execs or exits
// first never pays them.
void RewriteAfterFork() {
  g_pages_shared_with_parent = g_num_pages > 0;
  g_parent_log = g_children_log;
  g_fork_exec_generation = AddressSpace::Get().exec_generation();
  g_children_log = nullptr;  // created at our own first fork
  g_children_log_applied = 0;
}

namespace {
bool RewriteSite(uintptr_t after, long nr, uintptr_t* resume_now, bool known,
                 bool text_writable = false);
}  // namespace

void RewriteSitesOfChildren() {
  if (!g_children_log) {
    long r = host::Mmap(0, sizeof(ChildSiteLog), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    if (r >= 0) g_children_log = reinterpret_cast<ChildSiteLog*>(r);
    return;
  }
  uint32_t end = g_children_log->next.load(std::memory_order_relaxed);
  if (end > kLogSites) end = kLogSites;
  uint64_t gen = AddressSpace::Get().exec_generation();
  for (; g_children_log_applied < end; g_children_log_applied++) {
    ChildSite& e = g_children_log->sites[g_children_log_applied];
    uintptr_t after = e.after.load(std::memory_order_acquire);
    if (!after) break;  // still being written: next time
    if (e.exec_generation != gen) continue;
    uintptr_t resume;
    RewriteSite(after, static_cast<long>(e.nr), &resume, /*known=*/true);
  }
}

void ResetTrampolines() {
  g_parent_log = nullptr;  // the new image is not our parent's
  if (g_trapped_once_count) {
    std::memset(g_trapped_once, 0, sizeof(g_trapped_once));
    g_trapped_once_count = 0;
  }
  // Unmapping the child's views leaves the parent's pages alone.
  for (int i = 0; i < g_num_pages; i++) {
    host::Munmap(g_pages[i].base, kPage);
    host::Munmap(g_pages[i].rw, kPage);
  }
  g_num_pages = 0;
  g_pages_shared_with_parent = false;
  ForgetSplitPatchPoints();
}

bool TryRewriteSyscallSite(uintptr_t after, long nr, uintptr_t* resume_now) {
  return RewriteSite(after, nr, resume_now, /*known=*/false);
}

namespace {

// A trap at a site of a file's code: noted in the container's site cache,
// so that later processes mapping the file have it rewritten at once.
void NoteTrapInCache(uintptr_t after, long nr) {
  uint64_t key, off;
  uintptr_t vs, ve;
  // after - 2, the syscall itself: `after` may be the mapping's end.
  if (!AddressSpace::Get().CodeFileOf(after - 2, &key, &off, &vs, &ve)) return;
  if (after - vs < kSiteBytesBefore || ve - after < kSiteBytesAfter) return;
  uint8_t bytes[kSiteBytes];
  std::memcpy(bytes, reinterpret_cast<const void*>(after - kSiteBytesBefore), kSiteBytes);
  SiteCacheNoteTrap(key, off + 2, nr, bytes);
}

// `known`: a site a child trapped at (RewriteSitesOfChildren): rewritten
// at once, and its bytes checked as for a trap.
// `text_writable`: the caller made the site's pages writable (a batch of
// sites, RewriteKnownSites), so no mprotect here.
bool RewriteSite(uintptr_t after, long nr, uintptr_t* resume_now, bool known, bool text_writable) {
  *resume_now = after;
  if (known) {
    // Read nothing before knowing the bytes around the site are mapped
    // (a trapped site is; a logged one is checked): the shapes read up to
    // 14 bytes back and 8 forward, within the site's page.
    uintptr_t vs, ve;
    int vp;
    if (!AddressSpace::Get().LookupBounds(after - 2, &vs, &ve, &vp) || !(vp & PROT_EXEC) ||
        (vp & PROT_WRITE) || after - 14 < vs || after + 8 > ve)
      return false;
  }
  if (!g_rewrite_enabled || nr < 0 || nr > 0xffff) return false;
  // The shapes we rewrite, found by looking back from the trapped syscall:
  //   A: mov $nr,%eax; syscall                  b8 imm32 0f 05
  //      the mov becomes the jump; the syscall stays (a branch straight to
  //      it still works, through the trap).
  //   B: xor %eax,%eax; syscall; cmp $-4096,%rax  31 c0 0f 05 48 3d 00 f0 ff ff
  //      glibc's read(2) and other nr-0 wrappers; the jump covers the xor,
  //      the syscall and the cmp's first byte, and the trampoline redoes the
  //      cmp (nothing branches into the middle of this idiom).
  //   C: mov 0x8(%rsp),%r9; syscall              4c 8b 4c 24 08 0f 05
  //      glibc's syscall(3) (any number, already in %rax): the mov becomes
  //      the jump and is redone in the trampoline at the same %rsp; the
  //      syscall stays, as in A.
  //   D: mov $nr,%eax; lea disp(%rip|%reg),%reg; syscall
  //      b8 imm32 (48|4c) 8d modrm disp8/disp32 0f 05: glibc's inline
  //      rt_sigprocmask sites (pthread_create, thread start). The mov
  //      becomes the jump; the trampoline redoes the lea (re-aimed if
  //      RIP-relative) at the site's %rsp; lea and syscall stay, as in A.
  //   E: xor %edi,%edi; mov %edx,%eax; syscall; jmp back to the xor
  //      31 ff 89 d0 0f 05 eb f8, exit(2) only: glibc's `for (;;) exit (0)`
  //      at the end of start_thread (the thread's last call). The jump
  //      covers xor, mov and the syscall's first byte; the trampoline redoes
  //      xor and mov, and the loop's own `jmp` (left in place) is where a
  //      call would resume. exit never returns nor restarts, so nothing
  //      resumes inside the covered bytes; no short branch nearby may land
  //      there either (NoShortBranchInto).
  //   F: mov $nr,%eax; one to three carried instructions; syscall
  //      b8 imm32 ... 0f 05 (entry/carried_insns.h: stack loads, stores
  //      through a base register, mov $imm32 to a 32-bit register, xor of
  //      a register with itself; none touching %rax, no register-to-register
  //      move): the multi-threaded paths of glibc's cancellable wrappers
  //      (recvfrom, sendto, epoll_pwait, pselect, splice ...), which reload
  //      arguments after __pthread_enable_asynccancel; ld.so's arch_prctl,
  //      libc's prlimit64, the fallbacks of junction's vDSO (`xor %edx,%edx`:
  //      restored at execve, RestoreVdsoForExec). As D: the mov becomes the
  //      jump, the trampoline redoes the carried instructions at the site's
  //      %rsp, they and the syscall stay (a fault in one is reported at the
  //      text's copy: CarriedInsnFaultOrigin).
  //   G: mov %esi,%eax; syscall; cmp $-4096,%rax  89 f0 0f 05 48 3d 00 f0 ff ff,
  //      exit_group only: glibc's _exit, the last call of every process
  //      (each forked child that exits trapped there once). As B, the jump
  //      covers the mov, the syscall and the cmp's first byte; the
  //      trampoline redoes the mov and the cmp. exit_group never returns;
  //      no short branch nearby may land inside the covered bytes
  //      (NoShortBranchInto: _exit's own loop jumps to the mov itself).
  static constexpr uint8_t kMovR9FromStack[] = {0x4c, 0x8b, 0x4c, 0x24, 0x08};
  static constexpr uint8_t kExitLoop[] = {0x31, 0xff, 0x89, 0xd0, 0x0f, 0x05, 0xeb, 0xf8};
  static constexpr uint8_t kMovEsiToEax[] = {0x89, 0xf0};
  uintptr_t site = after - 7;
  std::span<const uint8_t> relocated, before;
  bool set_nr = true;
  uintptr_t resume = after;
  uintptr_t rip_target = 0;
  {
    const auto* q = reinterpret_cast<const uint8_t*>(after - 4);
    const auto* c = reinterpret_cast<const uint8_t*>(after - 7);
    // Shape E reads two bytes past the syscall: only within its page.
    bool tail_in_page = ((after + 1) & ~(kPage - 1)) == ((after - 6) & ~(kPage - 1));
    if (nr == SYS_exit && tail_in_page && std::memcmp(q - 2, kExitLoop, sizeof(kExitLoop)) == 0) {
      site = after - 6;
      before = std::span<const uint8_t>(kExitLoop, 4);  // xor %edi,%edi; mov %edx,%eax
      set_nr = false;
    } else if (nr == SYS_exit_group && q[0] == kMovEsiToEax[0] && q[1] == kMovEsiToEax[1] &&
               q[2] == 0x0f && q[3] == 0x05 &&
               ((after + sizeof(kCmpRax4096) - 1) & ~(kPage - 1)) == (after & ~(kPage - 1)) &&
               std::memcmp(q + 4, kCmpRax4096, sizeof(kCmpRax4096)) == 0) {
      site = after - 4;
      before = kMovEsiToEax;
      set_nr = false;
      relocated = kCmpRax4096;
      resume = after + sizeof(kCmpRax4096);
    } else if (nr == 0 && q[0] == 0x31 && q[1] == 0xc0 && q[2] == 0x0f && q[3] == 0x05 &&
        std::memcmp(q + 4, kCmpRax4096, sizeof(kCmpRax4096)) == 0) {
      site = after - 4;
      relocated = kCmpRax4096;
      resume = after + sizeof(kCmpRax4096);
    } else if (std::memcmp(c, kMovR9FromStack, sizeof(kMovR9FromStack)) == 0 && c[5] == 0x0f &&
               c[6] == 0x05) {
      before = kMovR9FromStack;
      set_nr = false;
    } else if (c[0] != 0xb8 && ((after - 14) & ~(kPage - 1)) == ((after - 7) & ~(kPage - 1))) {
      // Not shape A: maybe D, with a 7- or 4-byte lea between mov and
      // syscall (only read back within the page already read).
      for (size_t lea_len : {size_t{7}, size_t{4}}) {
        const auto* m = reinterpret_cast<const uint8_t*>(after - 2 - lea_len - 5);
        const uint8_t* l = m + 5;
        if (m[0] != 0xb8 || (l[0] != 0x48 && l[0] != 0x4c) || l[1] != 0x8d) continue;
        uint8_t mod = l[2] >> 6, reg = ((l[2] >> 3) & 7) | ((l[0] & 4) << 1), rm = l[2] & 7;
        // Destination neither %rax (the number) nor %rsp; no SIB byte.
        if (reg == 0 || reg == 4 || rm == 4) continue;
        bool rip = mod == 0 && rm == 5;
        if (lea_len == 7 ? !(rip || mod == 2) : mod != 1) continue;
        site = reinterpret_cast<uintptr_t>(m);
        before = std::span<const uint8_t>(l, lea_len);
        if (rip) {
          int32_t disp;
          std::memcpy(&disp, l + 3, 4);
          rip_target = reinterpret_cast<uintptr_t>(l) + 7 + static_cast<intptr_t>(disp);
        }
        break;
      }
      if (before.empty()) {
        size_t loads = CarriedInsnsBefore(after - 2);
        if (loads != 0) {
          site = after - 2 - loads - 5;
          before = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(site + 5), loads);
        }
      }
    }
  }
  // One rewrite at a time: kthreads may trap at the same site together.
  // A batch (text_writable) holds the lock across its mprotects already:
  // another rewrite's mprotect must not make its pages read-only meanwhile.
  std::optional<sched::SpinGuard> guard;
  if (!text_writable) guard.emplace(g_rewrite_lock);
  AddressSpace& as = AddressSpace::Get();
  uintptr_t vstart, vend;
  int prot;
  if (!as.LookupBounds(site, &vstart, &vend, &prot) || resume > vend || site < vstart ||
      !(prot & PROT_EXEC) || !(prot & PROT_READ))
    return false;
  const auto* p = reinterpret_cast<const uint8_t*>(site);
  if (nr == SYS_exit && p[0] == kExitLoop[0] && !NoShortBranchInto(site, vstart, vend))
    return false;
  if (nr == SYS_exit_group && p[0] == kMovEsiToEax[0] && !NoShortBranchInto(site, vstart, vend))
    return false;
  uint32_t imm = 0;
  if (relocated.empty() && before.empty()) {
    std::memcpy(&imm, p + 1, 4);
    if (p[0] != 0xb8 || p[5] != 0x0f || p[6] != 0x05 || imm != static_cast<uint32_t>(nr))
      return false;
  } else if (set_nr && !before.empty()) {  // shape D
    std::memcpy(&imm, p + 1, 4);
    if (imm != static_cast<uint32_t>(nr)) return false;
  }
  uintptr_t first = site & ~(kPage - 1), last = (site + 4) & ~(kPage - 1);
  uintptr_t ls, le;
  int lprot;
  if (last != first && (!as.LookupBounds(last, &ls, &le, &lprot) || !(lprot & PROT_EXEC)))
    return false;
  if (!known) {
    // Logged at each trap: a site the parent trapped at once is rewritten
    // by the child at its first trap, and the parent should have it too.
    LogSiteForParent_locked(after, nr, prot);
    NoteTrapInCache(after, nr);
    if (!TrappedBefore_locked(after)) return false;
  }
  uintptr_t tramp = EmitTrampoline(site, before, set_nr, imm, relocated, resume, rip_target);
  if (!tramp || !InReach(site + 5, tramp)) return false;
  uintptr_t relocated_at = tramp + before.size() + (set_nr ? 5 : 0) + 5 + 6 + 8;
  if (!NoteSplitPoints_locked(site, after, before.size(), tramp, relocated.empty() ? 0 : relocated_at))
    return false;

  // Make the text writable just for the store; keep the VMA's protection.
  size_t span = last - first + kPage;
  if (!text_writable && host::Mprotect(first, span, prot | PROT_WRITE) < 0) return false;
  int32_t rel = static_cast<int32_t>(tramp - (site + 5));
  volatile uint8_t* w = reinterpret_cast<volatile uint8_t*>(site);
  // int3 first, then the displacement, then the opcode: a thread racing
  // through the site sees either the old `mov`, an int3 (SIGTRAP, retried
  // by HandlePatchTrap) or the finished jump, never a torn instruction.
  g_patching_site.store(site, std::memory_order_release);
  w[0] = 0xcc;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  for (int i = 0; i < 4; i++) w[1 + i] = static_cast<uint8_t>(static_cast<uint32_t>(rel) >> (8 * i));
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  w[0] = 0xe9;
  g_patching_site.store(0, std::memory_order_release);
  if (!text_writable) host::Mprotect(first, span, prot);
  // Shape B's (and G's) patch covers the trapped call's own resume point:
  // it goes on at the trampoline's copy of the instructions after the
  // syscall (after `before`, the mov $nr if any, lea, call, lea).
  if (!relocated.empty()) *resume_now = relocated_at;
  return true;
}

}  // namespace

void RewriteKnownSites(uintptr_t start, size_t len, uint64_t off, uint64_t key) {
  if (!g_rewrite_enabled) return;
  constexpr int kMax = 64;  // on the LibOS stack
  KnownSite sites[kMax];
  int n = SiteCacheLookup(key, off, off + len, sites, kMax);
  if (n == 0) return;
  uintptr_t vs, ve;
  int prot;
  if (len == 0 || !AddressSpace::Get().LookupBounds(start, &vs, &ve, &prot) || vs != start ||
      ve < start + len || !(prot & PROT_EXEC) || (prot & PROT_WRITE))
    return;
  // Only sites whose bytes are still those they trapped with: the rewrite
  // then checks their shape as for a trap.
  uintptr_t lo = ve, hi = vs;
  int keep = 0;
  for (int i = 0; i < n; i++) {
    uintptr_t after = start + (sites[i].after_off - off);
    if (std::memcmp(reinterpret_cast<const void*>(after - kSiteBytesBefore), sites[i].bytes,
                    kSiteBytes) != 0)
      continue;
    sites[keep++] = sites[i];
    lo = std::min(lo, (after - kSiteBytesBefore) & ~(kPage - 1));
    hi = std::max(hi, (after + kSiteBytesAfter + kPage - 1) & ~(kPage - 1));
  }
  if (keep == 0) return;
  // One mprotect pair for all of them, not one per site.
  sched::SpinGuard guard(g_rewrite_lock);
  if (host::Mprotect(lo, hi - lo, prot | PROT_WRITE) < 0) return;
  for (int i = 0; i < keep; i++) {
    uintptr_t resume;
    RewriteSite(start + (sites[i].after_off - off), sites[i].nr, &resume, /*known=*/true,
                /*text_writable=*/true);
  }
  host::Mprotect(lo, hi - lo, prot);
}

uintptr_t TrapRestartAddress(uintptr_t resume) {
  // Pages are only appended; a page added concurrently cannot hold `resume`.
  int n = __atomic_load_n(&g_num_pages, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++) {
    uintptr_t base = g_pages[i].base;
    if (resume < base + kSlotSize || resume >= base + kPage) continue;
    // No trampoline holds a `syscall`: a trap resuming here is a shape-B
    // call resuming at its relocated `cmp`.
    if ((resume - base) % kSlotSize == kRelocatedOffset) return resume - kRelocatedOffset;
  }
  return resume - 2;
}

uintptr_t TrapResumeAfterRewrite(uintptr_t resume) {
  const auto* jump = reinterpret_cast<const volatile uint8_t*>(resume - 4);
  if (jump[0] != 0xe9) return resume;
  uint32_t rel = 0;
  for (int i = 0; i < 4; i++) rel |= static_cast<uint32_t>(jump[1 + i]) << (8 * i);
  uintptr_t tramp = resume + 1 + static_cast<uintptr_t>(static_cast<int64_t>(static_cast<int32_t>(rel)));
  // Only a jump into one of our trampoline slots that relocated the cmp
  // (the bytes could be another shape's jump or data by coincidence).
  int n = __atomic_load_n(&g_num_pages, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++) {
    uintptr_t base = g_pages[i].base;
    if (tramp < base + kSlotSize || tramp >= base + kPage || (tramp - base) % kSlotSize) continue;
    if (std::memcmp(reinterpret_cast<const void*>(tramp + kRelocatedOffset), kCmpRax4096,
                    sizeof(kCmpRax4096)) == 0)
      return tramp + kRelocatedOffset;
  }
  return resume;
}

bool CarriedInsnFaultOrigin(uintptr_t rip, uintptr_t* orig_rip, uint64_t* rax) {
  static constexpr uint8_t kLeaDown[] = {0x48, 0x8d, 0x64, 0x24, 0x80};  // lea -0x80(%rsp),%rsp
  // Pages are only appended; a page added concurrently cannot hold `rip`.
  int n = __atomic_load_n(&g_num_pages, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++) {
    uintptr_t base = g_pages[i].base;
    if (rip < base + kSlotSize || rip >= base + kPage) continue;
    uintptr_t slot = base + (rip - base) / kSlotSize * kSlotSize;
    const auto* p = reinterpret_cast<const uint8_t*>(slot);
    const uint8_t* end = p + kSlotSize;
    // The slot (EmitTrampoline): carried instructions, lea, [mov $nr,%eax],
    // call, lea, [relocated], jmp back to the site's syscall.
    const uint8_t* q = p;
    bool at_insn = false;
    while (q + sizeof(kLeaDown) <= end && std::memcmp(q, kLeaDown, sizeof(kLeaDown)) != 0) {
      at_insn |= reinterpret_cast<uintptr_t>(q) == rip;
      size_t len = CarriedInsnAt(q, end, nullptr, nullptr);
      if (len == 0) return false;  // shape D's lea, E's and G's movs: they do not fault
      q += len;
    }
    size_t carried = static_cast<size_t>(q - p);
    q += sizeof(kLeaDown);
    if (!at_insn || end - q < 5 + 6 + 8 + 5) return false;
    bool set_nr = q[0] == 0xb8;
    uint32_t nr = 0;
    if (set_nr) {
      std::memcpy(&nr, q + 1, 4);
      q += 5;
    }
    if (q[0] != 0xff || q[1] != 0x15) return false;
    q += 6 + 8;
    if (q[0] != 0xe9) return false;  // a relocated instruction: no shape carries one too
    int32_t rel;
    std::memcpy(&rel, q + 1, 4);
    uintptr_t resume = reinterpret_cast<uintptr_t>(q) + 5 + static_cast<uintptr_t>(static_cast<int64_t>(rel));
    // In the text the carried instructions end at the syscall (resume - 2),
    // after the site's mov $nr,%eax (shape F).
    *orig_rip = resume - 2 - carried + (rip - slot);
    if (set_nr) *rax = nr;
    return true;
  }
  return false;
}

bool HandlePatchTrap(uintptr_t int3_addr) {
  // The int3 is ours if a patch of that address is in progress, or if it
  // has already been replaced by the jump (the patch finished while we
  // trapped). Not just any other byte: the guest's `int $3` (cd 03) traps
  // with the 03 before the ip.
  if (g_patching_site.load(std::memory_order_acquire) == int3_addr) {
    while (g_patching_site.load(std::memory_order_acquire) == int3_addr) __builtin_ia32_pause();
    return true;
  }
  return *reinterpret_cast<volatile const uint8_t*>(int3_addr) == 0xe9;
}

}  // namespace junction::libos
