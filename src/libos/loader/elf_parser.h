// Validation of ELF64 x86-64 executables, as pure functions over bytes.
//
// The parser never touches files or memory maps: the loader reads the first
// bytes of a file, the program header table and the PT_INTERP string with
// LoaderEnv::Pread and hands the bytes here. Every defect gets a precise
// message (the caller reports it with ENOEXEC). All arithmetic on values from
// the file is overflow-checked: this code is fuzzed (tests/fuzz/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace junction::libos::loader {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr size_t kElfHeaderSize = 64;
inline constexpr size_t kProgramHeaderSize = 56;
// Linux caps the table at 64 KiB (~1170 entries); real binaries have < 20.
inline constexpr uint16_t kMaxProgramHeaders = 128;
// Longest PT_INTERP accepted, including the NUL (PATH_MAX).
inline constexpr uint64_t kMaxInterpSize = 4096;
// Highest user address + 1 on x86-64 with 4-level paging (TASK_SIZE).
inline constexpr uint64_t kUserAddressLimit = 0x7ffffffff000ULL;

// What the loader needs from the ELF header (e_* fields, validated).
struct ElfHeader {
  uint16_t type = 0;  // ET_EXEC or ET_DYN
  uint64_t entry = 0;
  uint64_t phoff = 0;
  uint16_t phnum = 0;
};

// One PT_LOAD entry (validated: filesz <= memsz, inside the file, offset and
// vaddr congruent modulo the page size, no overflow).
struct LoadSegment {
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
  uint32_t flags = 0;  // PF_R | PF_W | PF_X
  uint64_t align = 0;
};

// The program header table, digested.
struct ElfProgramInfo {
  std::vector<LoadSegment> loads;  // sorted by vaddr, non-overlapping
  bool has_interp = false;
  uint64_t interp_offset = 0;  // file range of the PT_INTERP string
  uint64_t interp_size = 0;
  bool exec_stack = false;  // PT_GNU_STACK with PF_X
  // Link-time address of the program header table (where e_phoff lands in a
  // PT_LOAD), as the kernel computes AT_PHDR; 0 if no PT_LOAD covers it.
  uint64_t phdr_vaddr = 0;
  uint64_t min_vaddr = 0;   // page-aligned start of the lowest PT_LOAD
  uint64_t max_vaddr = 0;   // page-aligned end of the highest PT_LOAD
  uint64_t max_align = 0;   // largest power-of-two p_align of the PT_LOADs
};

// Everything ParseElfImage() extracts from a whole file.
struct ElfImageInfo {
  ElfHeader header;
  ElfProgramInfo program;
  std::string interp;  // empty if no PT_INTERP
};

// Checks the first bytes of a file (at least kElfHeaderSize of them, or the
// whole file if shorter) of `file_size` bytes. On failure returns false and
// sets `error`, e.g. "not an ELF file", "32-bit ELF not supported",
// "ELF for aarch64, this machine is x86-64", "truncated program header table".
bool ParseElfHeader(std::span<const uint8_t> head, uint64_t file_size, ElfHeader* out,
                    std::string* error);

// Validates the program header table (`table` holds header.phnum entries read
// from header.phoff).
bool ParseProgramHeaders(const ElfHeader& header, std::span<const uint8_t> table,
                         uint64_t file_size, ElfProgramInfo* out, std::string* error);

// Validates the PT_INTERP bytes (program.interp_size of them) and returns the
// path up to its NUL.
bool ParseInterpPath(std::span<const uint8_t> bytes, std::string* path, std::string* error);

// All three steps over a whole file held in memory (fuzzer, tests, tools).
bool ParseElfImage(std::span<const uint8_t> file, ElfImageInfo* out, std::string* error);

// "aarch64", "i386", ... or "machine 1234" for an ELF e_machine value.
std::string ElfMachineName(uint16_t machine);

}  // namespace junction::libos::loader
