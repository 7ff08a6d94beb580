// The initial guest stack, laid out exactly as Linux's create_elf_tables()
// (fs/binfmt_elf.c) and copy_strings() (fs/exec.c) do. From the top down:
//   8 zero bytes, the AT_EXECFN string, envp strings, argv strings,
//   (align 16) the AT_PLATFORM string, 16 AT_RANDOM bytes,
//   padding so that the final %rsp is 16-byte aligned, then upward from %rsp:
//   argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs ending AT_NULL.
// The auxv order is the kernel's: AT_SYSINFO_EHDR, AT_MINSIGSTKSZ, AT_HWCAP,
// AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS,
// AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM,
// AT_HWCAP2, AT_EXECFN, AT_PLATFORM, [AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN],
// AT_NULL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "libos/loader/loader.h"

namespace junction::libos::loader {

inline constexpr size_t kStackSize = 8 << 20;         // RLIMIT_STACK default
inline constexpr size_t kArgMax = 128 << 10;          // ARG_MAX: the least argument space
// Past the strings and their pointers: argc, the NULLs, the auxv, the
// AT_PLATFORM and AT_RANDOM bytes and the alignment (well under a page).
inline constexpr size_t kStackTablesRoom = 4096;
// The smallest stack holds the most arguments any limit allows with a small
// RLIMIT_STACK, so none fails after exec's point of no return.
inline constexpr size_t kMinStackSize = kArgMax + kStackTablesRoom;
// Linux grows the stack up to RLIMIT_STACK; a larger or unlimited one gets
// this much reserved (MAP_NORESERVE: untouched pages cost nothing).
inline constexpr size_t kMaxStackSize = size_t{1} << 30;
inline constexpr size_t kStackGuardSize = 1 << 20;    // stack_guard_gap: 256 pages
inline constexpr size_t kMaxArgStringSize = 32 * 4096;  // MAX_ARG_STRLEN
inline constexpr size_t kMaxArgSpace = kStackSize / 4 * 3;  // _STK_LIM / 4 * 3: the most any limit allows

// Addresses of the loaded image that go into the auxv.
struct ImageAuxInfo {
  uintptr_t phdr = 0, phent = 0, phnum = 0;
  uintptr_t interp_base = 0;  // AT_BASE
  uintptr_t entry = 0;        // AT_ENTRY (the executable's, not ld.so's)
};

struct StackContents {
  const std::vector<std::string>* argv = nullptr;
  const std::vector<std::string>* envp = nullptr;
  std::string execfn;
  const AuxValues* aux = nullptr;
  ImageAuxInfo image;
};

// The stack mapped for a soft RLIMIT_STACK of `stack_limit`: the limit,
// page-rounded, within [kMinStackSize, kMaxStackSize].
size_t StackSizeFor(uint64_t stack_limit);

// Checks Linux's limits (fs/exec.c): each string at most MAX_ARG_STRLEN;
// all strings (the file name `execfn` included) plus the argv and envp
// pointers at most a quarter of RLIMIT_STACK `stack_limit`, within
// [ARG_MAX, 6 MiB] (bprm_stack_limits); and the strings with the top NULL
// word no larger than `stack_limit` itself, page-rounded (the stack that
// copy_strings grows may not pass it). False → E2BIG.
bool ArgumentsFit(const StackContents& contents, uint64_t stack_limit, std::string* error);

// Lays out the stack in `memory`, whose last byte is at guest address
// `stack_top - 1`. Returns the initial %rsp (pointing at argc), or 0 with
// `error` set if it does not fit.
uintptr_t LayoutInitialStack(std::span<uint8_t> memory, uintptr_t stack_top,
                             const StackContents& contents, std::string* error);

// Maps a stack of StackSizeFor(env.StackLimit()) (below a PROT_NONE guard;
// kStackSize if that much address space is refused) through `env`, lays
// it out, and fills out->stack_pointer, stack_base and stack_size.
bool BuildInitialStack(LoaderEnv& env, const StackContents& contents, bool exec_stack,
                       LoadedImage* out, LoadError* err);

}  // namespace junction::libos::loader
