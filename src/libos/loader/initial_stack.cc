#include "libos/loader/initial_stack.h"

#include <elf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace junction::libos::loader {
namespace {

constexpr uint64_t kClockTicksPerSecond = 100;  // USER_HZ
#ifndef AT_MINSIGSTKSZ
constexpr uint64_t AT_MINSIGSTKSZ = 51;
#endif
#ifndef AT_RSEQ_FEATURE_SIZE
constexpr uint64_t AT_RSEQ_FEATURE_SIZE = 27;
constexpr uint64_t AT_RSEQ_ALIGN = 28;
#endif

struct AuxEntry {
  uint64_t type, value;
};

// Writes downward from the top of `memory`, tracking guest addresses.
class StackWriter {
 public:
  StackWriter(std::span<uint8_t> memory, uintptr_t top)
      : memory_(memory), bottom_(top - memory.size()), cursor_(top) {}

  bool ok() const { return ok_; }
  uintptr_t cursor() const { return cursor_; }

  // Reserves `len` bytes below the cursor; returns their guest address.
  uintptr_t Reserve(size_t len) {
    if (!ok_ || cursor_ - bottom_ < len) {
      ok_ = false;
      return 0;
    }
    cursor_ -= len;
    return cursor_;
  }
  void AlignDown(uintptr_t align) {
    uintptr_t aligned = cursor_ & ~(align - 1);
    if (aligned < bottom_) ok_ = false;
    else cursor_ = aligned;
  }
  uintptr_t PushBytes(const void* data, size_t len) {
    uintptr_t addr = Reserve(len);
    if (ok_) memcpy(At(addr), data, len);
    return addr;
  }
  uintptr_t PushString(const std::string& s) { return PushBytes(s.c_str(), s.size() + 1); }
  void StoreWord(uintptr_t addr, uint64_t value) { memcpy(At(addr), &value, sizeof(value)); }

 private:
  uint8_t* At(uintptr_t addr) { return memory_.data() + (addr - bottom_); }

  std::span<uint8_t> memory_;
  uintptr_t bottom_;
  uintptr_t cursor_;
  bool ok_ = true;
};

std::vector<AuxEntry> AuxVector(const StackContents& c, uintptr_t execfn, uintptr_t platform,
                                uintptr_t random) {
  const AuxValues& aux = *c.aux;
  std::vector<AuxEntry> v;
  v.reserve(24);
  if (aux.vdso_base != 0) v.push_back({AT_SYSINFO_EHDR, aux.vdso_base});
  v.push_back({AT_MINSIGSTKSZ, aux.minsigstksz});
  v.push_back({AT_HWCAP, aux.hwcap});
  v.push_back({AT_PAGESZ, 4096});
  v.push_back({AT_CLKTCK, kClockTicksPerSecond});
  v.push_back({AT_PHDR, c.image.phdr});
  v.push_back({AT_PHENT, c.image.phent});
  v.push_back({AT_PHNUM, c.image.phnum});
  v.push_back({AT_BASE, c.image.interp_base});
  v.push_back({AT_FLAGS, 0});
  v.push_back({AT_ENTRY, c.image.entry});
  v.push_back({AT_UID, aux.uid});
  v.push_back({AT_EUID, aux.euid});
  v.push_back({AT_GID, aux.gid});
  v.push_back({AT_EGID, aux.egid});
  v.push_back({AT_SECURE, aux.secure ? 1u : 0u});
  v.push_back({AT_RANDOM, random});
  v.push_back({AT_HWCAP2, aux.hwcap2});
  v.push_back({AT_EXECFN, execfn});
  if (platform != 0) v.push_back({AT_PLATFORM, platform});
  if (aux.rseq_feature_size != 0) {
    v.push_back({AT_RSEQ_FEATURE_SIZE, aux.rseq_feature_size});
    v.push_back({AT_RSEQ_ALIGN, aux.rseq_align});
  }
  v.push_back({AT_NULL, 0});
  return v;
}

}  // namespace

size_t StackSizeFor(uint64_t stack_limit) {
  constexpr uint64_t kPage = 4096;
  uint64_t size = stack_limit > kMaxStackSize ? kMaxStackSize : (stack_limit + kPage - 1) & ~(kPage - 1);
  return size < kMinStackSize ? kMinStackSize : size;
}

bool ArgumentsFit(const StackContents& c, uint64_t stack_limit, std::string* error) {
  uint64_t limit = stack_limit / 4 < kMaxArgSpace ? stack_limit / 4 : kMaxArgSpace;
  if (limit < kArgMax) limit = kArgMax;
  // Room for an argv[0] even when there is none (Linux adds an empty one).
  size_t pointers = (c.argv->empty() ? 1 : c.argv->size()) + c.envp->size();
  if (pointers > limit / sizeof(uintptr_t)) {
    *error = "argument list too long";
    return false;
  }
  limit -= pointers * sizeof(uintptr_t);
  uint64_t strings = c.execfn.size() + 1;
  for (const auto* list : {c.argv, c.envp}) {
    for (const std::string& s : *list) {
      if (s.size() + 1 > kMaxArgStringSize) {
        *error = "argument or environment string longer than 128 KiB";
        return false;
      }
      strings += s.size() + 1;
    }
  }
  constexpr uint64_t kPage = 4096;
  uint64_t pages = (strings + sizeof(uint64_t) + kPage - 1) & ~(kPage - 1);  // with the top NULL
  if (strings > limit || (pages > kPage && pages > stack_limit)) {
    *error = "argument list too long";
    return false;
  }
  return true;
}

uintptr_t LayoutInitialStack(std::span<uint8_t> memory, uintptr_t stack_top,
                             const StackContents& c, std::string* error) {
  const std::vector<std::string>& argv = *c.argv;
  const std::vector<std::string>& envp = *c.envp;
  StackWriter w(memory, stack_top);
  // copy_strings: a NULL word at the very top, then the file name, the
  // environment and the arguments, each list copied last string first.
  uint64_t zero = 0;
  w.PushBytes(&zero, sizeof(zero));
  uintptr_t execfn = w.PushString(c.execfn);
  std::vector<uintptr_t> envp_addr(envp.size()), argv_addr(argv.size());
  for (size_t i = envp.size(); i-- > 0;) envp_addr[i] = w.PushString(envp[i]);
  for (size_t i = argv.size(); i-- > 0;) argv_addr[i] = w.PushString(argv[i]);
  // create_elf_tables: arch_align_stack, platform string, AT_RANDOM bytes.
  w.AlignDown(16);
  uintptr_t platform = c.aux->platform.empty() ? 0 : w.PushString(c.aux->platform);
  uintptr_t random = w.PushBytes(c.aux->random, sizeof(c.aux->random));
  std::vector<AuxEntry> auxv = AuxVector(c, execfn, platform, random);
  size_t words = 1 + (argv.size() + 1) + (envp.size() + 1) + 2 * auxv.size();
  w.Reserve(words * sizeof(uint64_t));
  w.AlignDown(16);
  if (!w.ok()) {
    *error = "argument list too long for the stack";
    return 0;
  }
  uintptr_t sp = w.cursor();
  uintptr_t slot = sp;
  auto put = [&](uint64_t v) {
    w.StoreWord(slot, v);
    slot += sizeof(uint64_t);
  };
  put(argv.size());
  for (uintptr_t a : argv_addr) put(a);
  put(0);
  for (uintptr_t e : envp_addr) put(e);
  put(0);
  for (const AuxEntry& entry : auxv) {
    put(entry.type);
    put(entry.value);
  }
  return sp;
}

bool BuildInitialStack(LoaderEnv& env, const StackContents& c, bool exec_stack,
                       LoadedImage* out, LoadError* err) {
  std::string message;
  const uint64_t limit = env.StackLimit();
  if (!ArgumentsFit(c, limit, &message)) {
    *err = LoadError{LoadErrorKind::kNoMemory, E2BIG, message};
    return false;
  }
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  size_t size = StackSizeFor(limit);
  auto region = env.Map(0, kStackGuardSize + size, PROT_NONE, flags, -1, 0, "");
  if (!region.ok() && region.error() == ENOMEM && size > kStackSize) {
    size = kStackSize;  // a large limit under a tight RLIMIT_AS
    region = env.Map(0, kStackGuardSize + size, PROT_NONE, flags, -1, 0, "");
  }
  if (!region.ok()) {
    *err = LoadError{LoadErrorKind::kNoMemory, region.error(),
                     std::string("cannot map the stack: ") + strerror(region.error())};
    return false;
  }
  uintptr_t base = *region + kStackGuardSize;
  int prot = PROT_READ | PROT_WRITE | (exec_stack ? PROT_EXEC : 0);
  auto stack = env.Map(base, size, prot, flags | MAP_FIXED, -1, 0, "[stack]");
  if (!stack.ok()) {
    (void)env.Unmap(*region, kStackGuardSize + size);
    *err = LoadError{LoadErrorKind::kNoMemory, stack.error(),
                     std::string("cannot map the stack: ") + strerror(stack.error())};
    return false;
  }
  std::span<uint8_t> memory(reinterpret_cast<uint8_t*>(base), size);
  uintptr_t sp = LayoutInitialStack(memory, base + size, c, &message);
  if (sp == 0) {
    (void)env.Unmap(*region, kStackGuardSize + size);
    *err = LoadError{LoadErrorKind::kNoMemory, E2BIG, message};
    return false;
  }
  out->stack_pointer = sp;
  out->stack_base = base;
  out->stack_size = size;
  return true;
}

}  // namespace junction::libos::loader
