// Symbolic names for the constants strace decodes: flag sets (O_*, PROT_*,
// MAP_*, CLONE_*...) and value sets (F_*, SIG*, CLOCK_*...). Each table
// lists names in the order strace prints them.
#pragma once

#include <cstdint>
#include <string>

namespace junction::libos::strace {

struct XlatEntry {
  uint64_t value;
  const char* name;
};

struct Xlat {
  const XlatEntry* entries;
  int count;
  const char* unknown;  // comment for an unknown value, e.g. "F_???"
};

// Exact-value lookup; nullptr if absent.
const char* XlatName(const Xlat& x, uint64_t value);

// `NAME` or `0x2a /* F_??? */` for value sets.
void PrintValue(std::string& out, const Xlat& x, uint64_t value);
// `A|B|0x40` for bit sets; `zero` (or "0") when no bit is set.
void PrintFlags(std::string& out, const Xlat& x, uint64_t value, const char* zero = nullptr);

// The tables.
extern const Xlat kOpenFlags;       // without the access mode
extern const Xlat kAtFlags;
extern const Xlat kProtFlags;
extern const Xlat kMapFlags;        // without the mapping type
extern const Xlat kMremapFlags;
extern const Xlat kMadvise;
extern const Xlat kCloneFlags;
extern const Xlat kFutexCmds;
extern const Xlat kFcntlCmds;
extern const Xlat kFdFlags;
extern const Xlat kIoctlReqs;
extern const Xlat kSigHow;
extern const Xlat kSaFlags;
extern const Xlat kArchPrctl;
extern const Xlat kPrctlOptions;
extern const Xlat kClockIds;
extern const Xlat kAccessModes;
extern const Xlat kWhence;
extern const Xlat kGrndFlags;
extern const Xlat kRlimits;
extern const Xlat kWaitOptions;
extern const Xlat kRenameFlags;
extern const Xlat kTimerFlags;
extern const Xlat kStatxMask;

// Open flags with the access mode first: `O_RDONLY|O_CLOEXEC`.
void PrintOpenFlags(std::string& out, uint64_t flags);
// mmap flags with the mapping type first: `MAP_PRIVATE|MAP_ANONYMOUS`.
void PrintMapFlags(std::string& out, uint64_t flags);
// `S_IFREG|0644` (file type and permission bits).
void PrintFileMode(std::string& out, uint32_t mode);
// A signal number as `SIGINT`, `SIGRTMIN`, `SIGRT_3`; `with_prefix` false
// drops "SIG" (inside signal sets).
void PrintSignal(std::string& out, long sig, bool with_prefix = true);
// `FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME`.
void PrintFutexOp(std::string& out, long op);
// `CLONE_VM|CLONE_FS|SIGCHLD`.
void PrintCloneFlags(std::string& out, uint64_t flags);

}  // namespace junction::libos::strace
