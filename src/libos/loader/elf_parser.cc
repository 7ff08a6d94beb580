#include "libos/loader/elf_parser.h"

#include <elf.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace junction::libos::loader {
namespace {

// printf into a std::string (messages are short).
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[160];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return buf;
}

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

uint64_t PageDown(uint64_t v) { return v & ~(kPageSize - 1); }

// Page-aligned end; false if rounding up overflows.
bool PageUp(uint64_t v, uint64_t* out) {
  if (v > UINT64_MAX - (kPageSize - 1)) return false;
  *out = PageDown(v + kPageSize - 1);
  return true;
}

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string ElfTypeProblem(uint16_t type) {
  switch (type) {
    case ET_REL:
      return "relocatable object (ET_REL) is not executable";
    case ET_CORE:
      return "core dump (ET_CORE) is not executable";
    case ET_NONE:
      return "ELF type ET_NONE is not executable";
    default:
      return Format("ELF type %u is not executable", type);
  }
}

// Checks one PT_LOAD and appends it to `out->loads`.
bool CheckLoadSegment(const Elf64_Phdr& ph, unsigned index, uint64_t file_size,
                      ElfProgramInfo* out, std::string* error) {
  if (ph.p_filesz > ph.p_memsz)
    return Fail(error, Format("segment file size exceeds memory size (program header %u)", index));
  uint64_t file_end;
  if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &file_end) || file_end > file_size)
    return Fail(error, Format("truncated segment (program header %u)", index));
  uint64_t mem_end, mem_end_page;
  if (__builtin_add_overflow(ph.p_vaddr, ph.p_memsz, &mem_end) || !PageUp(mem_end, &mem_end_page) ||
      mem_end_page > kUserAddressLimit)
    return Fail(error, Format("segment address overflow (program header %u)", index));
  if (ph.p_offset % kPageSize != ph.p_vaddr % kPageSize)
    return Fail(error,
                Format("segment offset and address not congruent modulo page size "
                       "(program header %u)",
                       index));
  if (ph.p_memsz == 0) return true;  // maps nothing
  if (!out->loads.empty()) {
    const LoadSegment& prev = out->loads.back();
    if (ph.p_vaddr < prev.vaddr + prev.memsz)  // checked above: no overflow
      return Fail(error, Format("overlapping or unsorted PT_LOAD segments (program header %u)",
                                index));
  }
  out->loads.push_back(LoadSegment{.offset = ph.p_offset,
                                   .vaddr = ph.p_vaddr,
                                   .filesz = ph.p_filesz,
                                   .memsz = ph.p_memsz,
                                   .flags = ph.p_flags,
                                   .align = ph.p_align});
  if (IsPowerOfTwo(ph.p_align) && ph.p_align > out->max_align) out->max_align = ph.p_align;
  return true;
}

bool CheckInterpSegment(const Elf64_Phdr& ph, unsigned index, uint64_t file_size,
                        ElfProgramInfo* out, std::string* error) {
  if (out->has_interp) return Fail(error, Format("multiple PT_INTERP (program header %u)", index));
  if (ph.p_filesz == 0) return Fail(error, "empty PT_INTERP");
  if (ph.p_filesz > kMaxInterpSize) return Fail(error, "PT_INTERP too long");
  uint64_t end;
  if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &end) || end > file_size)
    return Fail(error, "truncated PT_INTERP");
  out->has_interp = true;
  out->interp_offset = ph.p_offset;
  out->interp_size = ph.p_filesz;
  return true;
}

}  // namespace

std::string ElfMachineName(uint16_t machine) {
  switch (machine) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_RISCV: return "riscv";
    case EM_PPC: return "powerpc";
    case EM_PPC64: return "powerpc64";
    case EM_S390: return "s390";
    case EM_MIPS: return "mips";
    case EM_SPARC: return "sparc";
    case EM_SPARCV9: return "sparc64";
    case EM_IA_64: return "ia64";
    case 258: return "loongarch";  // EM_LOONGARCH (not in every elf.h)
    default: return Format("machine %u", machine);
  }
}

bool ParseElfHeader(std::span<const uint8_t> head, uint64_t file_size, ElfHeader* out,
                    std::string* error) {
  if (head.size() < SELFMAG || memcmp(head.data(), ELFMAG, SELFMAG) != 0)
    return Fail(error, "not an ELF file");
  if (head.size() < EI_NIDENT) return Fail(error, "truncated ELF header");
  uint8_t elf_class = head[EI_CLASS];
  if (elf_class == ELFCLASS32) return Fail(error, "32-bit ELF not supported");
  if (elf_class != ELFCLASS64) return Fail(error, Format("invalid ELF class %u", elf_class));
  uint8_t data = head[EI_DATA];
  if (data == ELFDATA2MSB) return Fail(error, "big-endian ELF not supported");
  if (data != ELFDATA2LSB) return Fail(error, Format("invalid ELF data encoding %u", data));
  if (head[EI_VERSION] != EV_CURRENT)
    return Fail(error, Format("unsupported ELF version %u", head[EI_VERSION]));
  if (head.size() < kElfHeaderSize || file_size < kElfHeaderSize)
    return Fail(error, "truncated ELF header");

  Elf64_Ehdr ehdr;
  memcpy(&ehdr, head.data(), sizeof(ehdr));
  if (ehdr.e_machine != EM_X86_64)
    return Fail(error, "ELF for " + ElfMachineName(ehdr.e_machine) + ", this machine is x86-64");
  if (ehdr.e_version != EV_CURRENT)
    return Fail(error, Format("unsupported ELF version %u", ehdr.e_version));
  if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) return Fail(error, ElfTypeProblem(ehdr.e_type));
  if (ehdr.e_phentsize != kProgramHeaderSize)
    return Fail(error, Format("bad program header entry size %u (expected %zu)", ehdr.e_phentsize,
                              kProgramHeaderSize));
  if (ehdr.e_phnum == 0) return Fail(error, "no program headers");
  if (ehdr.e_phnum > kMaxProgramHeaders)
    return Fail(error, Format("too many program headers (%u, at most %u)", ehdr.e_phnum,
                              kMaxProgramHeaders));
  uint64_t table_end;
  if (__builtin_add_overflow(ehdr.e_phoff, uint64_t{ehdr.e_phnum} * kProgramHeaderSize,
                             &table_end) ||
      table_end > file_size)
    return Fail(error, "truncated program header table");

  out->type = ehdr.e_type;
  out->entry = ehdr.e_entry;
  out->phoff = ehdr.e_phoff;
  out->phnum = ehdr.e_phnum;
  return true;
}

bool ParseProgramHeaders(const ElfHeader& header, std::span<const uint8_t> table,
                         uint64_t file_size, ElfProgramInfo* out, std::string* error) {
  *out = ElfProgramInfo{};
  if (table.size() < size_t{header.phnum} * kProgramHeaderSize)
    return Fail(error, "truncated program header table");
  for (unsigned i = 0; i < header.phnum; i++) {
    Elf64_Phdr ph;
    memcpy(&ph, table.data() + size_t{i} * kProgramHeaderSize, sizeof(ph));
    switch (ph.p_type) {
      case PT_LOAD:
        if (!CheckLoadSegment(ph, i, file_size, out, error)) return false;
        break;
      case PT_INTERP:
        if (!CheckInterpSegment(ph, i, file_size, out, error)) return false;
        break;
      case PT_GNU_STACK:
        out->exec_stack = (ph.p_flags & PF_X) != 0;
        break;
      default:
        break;
    }
  }
  if (out->loads.empty()) return Fail(error, "no PT_LOAD segment");
  out->min_vaddr = PageDown(out->loads.front().vaddr);
  const LoadSegment& last = out->loads.back();
  (void)PageUp(last.vaddr + last.memsz, &out->max_vaddr);  // checked per segment
  // AT_PHDR as the kernel computes it: where the file offset e_phoff lands.
  for (const LoadSegment& seg : out->loads) {
    if (header.phoff >= seg.offset && header.phoff - seg.offset < seg.filesz) {
      out->phdr_vaddr = header.phoff - seg.offset + seg.vaddr;
      break;
    }
  }
  return true;
}

bool ParseInterpPath(std::span<const uint8_t> bytes, std::string* path, std::string* error) {
  if (bytes.empty()) return Fail(error, "empty PT_INTERP");
  if (bytes.size() > kMaxInterpSize) return Fail(error, "PT_INTERP too long");
  if (bytes.back() != '\0') return Fail(error, "PT_INTERP not NUL-terminated");
  if (bytes.front() == '\0') return Fail(error, "empty PT_INTERP path");
  *path = reinterpret_cast<const char*>(bytes.data());  // stops at the first NUL
  return true;
}

bool ParseElfImage(std::span<const uint8_t> file, ElfImageInfo* out, std::string* error) {
  *out = ElfImageInfo{};
  if (!ParseElfHeader(file, file.size(), &out->header, error)) return false;
  // ParseElfHeader checked that the table lies inside the file.
  auto table = file.subspan(out->header.phoff, size_t{out->header.phnum} * kProgramHeaderSize);
  if (!ParseProgramHeaders(out->header, table, file.size(), &out->program, error)) return false;
  if (!out->program.has_interp) return true;
  auto interp = file.subspan(out->program.interp_offset, out->program.interp_size);
  return ParseInterpPath(interp, &out->interp, error);
}

}  // namespace junction::libos::loader
