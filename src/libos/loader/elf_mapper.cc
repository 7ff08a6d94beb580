#include "libos/loader/elf_mapper.h"

#include <elf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace junction::libos::loader {
namespace {

uintptr_t PageDown(uintptr_t v) { return v & ~(kPageSize - 1); }
uintptr_t PageUp(uintptr_t v) { return PageDown(v + kPageSize - 1); }

std::string Hex(uintptr_t v) {
  char buf[24];
  snprintf(buf, sizeof(buf), "%#lx", static_cast<unsigned long>(v));
  return buf;
}

bool Fail(LoadError* err, LoadErrorKind kind, int errno_value, std::string message) {
  *err = LoadError{kind, errno_value, std::move(message)};
  return false;
}

constexpr int kReserveFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

// Reserves `len` bytes aligned to `align` anywhere the LibOS's mmap chooses,
// over-reserving and trimming when the alignment exceeds a page.
SysResult<uintptr_t> ReserveAnywhere(LoaderEnv& env, size_t len, uint64_t align,
                                     const std::string& name) {
  if (align <= kPageSize) return env.Map(0, len, PROT_NONE, kReserveFlags, -1, 0, name);
  size_t padded = len + align - kPageSize;
  if (padded < len) return Errno{ENOMEM};
  uintptr_t raw = TRY(env.Map(0, padded, PROT_NONE, kReserveFlags, -1, 0, name));
  uintptr_t aligned = (raw + align - 1) & ~(align - 1);
  // Trimming is best effort: without Unmap the slack stays reserved.
  if (aligned > raw) (void)env.Unmap(raw, aligned - raw);
  if (raw + padded > aligned + len) (void)env.Unmap(aligned + len, raw + padded - aligned - len);
  return aligned;
}

// Chooses and reserves the guest range [start, start + span) for the image.
bool ReserveImage(LoaderEnv& env, const std::string& name, const ElfHeader& header,
                  const ElfProgramInfo& program, ElfRole role, uintptr_t* start,
                  LoadError* err) {
  size_t span = program.max_vaddr - program.min_vaddr;
  if (header.type == ET_EXEC) {
    auto r = env.Map(program.min_vaddr, span, PROT_NONE, kReserveFlags | MAP_FIXED_NOREPLACE, -1,
                     0, name);
    if (!r.ok() || *r != program.min_vaddr) {
      if (r.ok()) (void)env.Unmap(*r, span);  // an env that ignored NOREPLACE
      return Fail(err, LoadErrorKind::kNoMemory, r.ok() ? EEXIST : r.error(),
                  "cannot map at its fixed address " + Hex(program.min_vaddr) + "-" +
                      Hex(program.max_vaddr) + ": " + strerror(r.ok() ? EEXIST : r.error()));
    }
    *start = program.min_vaddr;
    return true;
  }
  uint64_t align = program.max_align > kPageSize ? program.max_align : kPageSize;
  if (role == ElfRole::kExecutable) {
    uintptr_t hint = (kPieLoadBase + align - 1) & ~(align - 1);
    auto r = env.Map(hint, span, PROT_NONE, kReserveFlags | MAP_FIXED_NOREPLACE, -1, 0, name);
    if (r.ok() && *r == hint) {
      *start = hint;
      return true;
    }
    if (r.ok()) (void)env.Unmap(*r, span);
  }
  auto r = ReserveAnywhere(env, span, align, name);
  if (!r.ok())
    return Fail(err, LoadErrorKind::kNoMemory, r.error(),
                "cannot reserve " + Hex(span) + " bytes: " + strerror(r.error()));
  *start = *r;
  return true;
}

// Maps one PT_LOAD (file part, then bss) at `bias`.
SysResult<void> MapSegment(LoaderEnv& env, int fd, const std::string& name,
                           const LoadSegment& seg, uintptr_t bias) {
  int prot = ElfFlagsToProt(seg.flags);
  uintptr_t addr = bias + seg.vaddr;
  uintptr_t page = PageDown(addr);
  uintptr_t file_end = addr + seg.filesz;
  uintptr_t mem_end = addr + seg.memsz;
  uintptr_t anon_start = page;
  if (seg.filesz > 0) {
    TRY_VOID(env.Map(page, PageUp(file_end) - page, prot, MAP_PRIVATE | MAP_FIXED, fd,
                PageDown(seg.offset), name));
    anon_start = PageUp(file_end);
    // The bss starts inside the last file page: clear the file bytes there.
    if (seg.memsz > seg.filesz && file_end != anon_start) {
      bool writable = (prot & PROT_WRITE) != 0;
      uintptr_t last_page = PageDown(file_end);
      if (!writable) TRY_VOID(env.Protect(last_page, kPageSize, prot | PROT_READ | PROT_WRITE));
      memset(reinterpret_cast<void*>(file_end), 0, anon_start - file_end);
      if (!writable) TRY_VOID(env.Protect(last_page, kPageSize, prot));
    }
  }
  uintptr_t anon_end = PageUp(mem_end);
  if (anon_end > anon_start) {
    TRY_VOID(env.Map(anon_start, anon_end - anon_start, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                -1, 0, ""));
  }
  return {};
}

// Gives back the parts of the reservation no segment covers (Linux leaves
// them unmapped). Best effort.
void UnmapGaps(LoaderEnv& env, const ElfProgramInfo& program, uintptr_t bias) {
  uintptr_t cursor = bias + program.min_vaddr;
  for (const LoadSegment& seg : program.loads) {
    uintptr_t seg_start = PageDown(bias + seg.vaddr);
    if (seg_start > cursor) (void)env.Unmap(cursor, seg_start - cursor);
    uintptr_t seg_end = PageUp(bias + seg.vaddr + seg.memsz);
    if (seg_end > cursor) cursor = seg_end;
  }
}

}  // namespace

int ElfFlagsToProt(uint32_t p_flags) {
  int prot = PROT_NONE;
  if (p_flags & PF_R) prot |= PROT_READ;
  if (p_flags & PF_W) prot |= PROT_WRITE;
  if (p_flags & PF_X) prot |= PROT_EXEC;
  return prot;
}

bool MapElf(LoaderEnv& env, int fd, const std::string& name, const ElfHeader& header,
            const ElfProgramInfo& program, ElfRole role, MappedElf* out, LoadError* err) {
  uintptr_t start = 0;
  if (!ReserveImage(env, name, header, program, role, &start, err)) return false;
  uintptr_t span = program.max_vaddr - program.min_vaddr;
  uintptr_t bias = start - program.min_vaddr;  // wraps for images linked high: fine
  for (const LoadSegment& seg : program.loads) {
    auto r = MapSegment(env, fd, name, seg, bias);
    if (!r.ok()) {
      (void)env.Unmap(start, span);
      int e = r.error();
      return Fail(err, e == ENOMEM ? LoadErrorKind::kNoMemory : LoadErrorKind::kIo, e,
                  "cannot map segment at " + Hex(bias + seg.vaddr) + ": " + strerror(e));
    }
  }
  UnmapGaps(env, program, bias);
  *out = MappedElf{.bias = bias, .start = start, .end = start + span};
  return true;
}

}  // namespace junction::libos::loader
