// Maps a validated ELF image into the guest address space through LoaderEnv.
//
// Placement, as Linux does it (without randomization, for now):
//  - ET_EXEC at its link addresses; the whole span is reserved with
//    MAP_FIXED_NOREPLACE first, so a range in use fails cleanly.
//  - an ET_DYN executable (PIE, static-pie, ld.so run directly) at
//    kPieLoadBase (ELF_ET_DYN_BASE with ASLR off), aligned to its largest
//    p_align; if that range is taken (the LibOS heap may sit there), wherever
//    the LibOS's mmap puts it.
//  - an ET_DYN interpreter wherever the LibOS's mmap puts it.
// The span is reserved with one PROT_NONE mapping, segments are mapped
// MAP_FIXED into it, and the gaps between segments are unmapped again.
#pragma once

#include <cstdint>
#include <string>

#include "libos/loader/elf_parser.h"
#include "libos/loader/loader.h"

namespace junction::libos::loader {

// Where Linux puts a PIE when randomization is off (2/3 of TASK_SIZE).
inline constexpr uintptr_t kPieLoadBase = 0x555555554000ULL;

enum class ElfRole { kExecutable, kInterpreter };

struct MappedElf {
  uintptr_t bias = 0;   // add to a link-time address to get the guest address
  uintptr_t start = 0;  // page-aligned guest range of the image
  uintptr_t end = 0;
};

// Maps the PT_LOAD segments of the file open at `fd` (VMAs named `name`).
// Zeroes the bss tail of the last file page and maps anonymous memory for
// the rest of the bss. On failure, unmaps what it mapped and fills `err`.
bool MapElf(LoaderEnv& env, int fd, const std::string& name, const ElfHeader& header,
            const ElfProgramInfo& program, ElfRole role, MappedElf* out, LoadError* err);

// PROT_* for an ELF p_flags value.
int ElfFlagsToProt(uint32_t p_flags);

}  // namespace junction::libos::loader
