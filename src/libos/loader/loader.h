// Loads a guest program image: ELF executables (static, static-pie, PIE,
// non-PIE dynamic with their PT_INTERP) and #! scripts, and builds the
// Linux-identical initial stack. Memory and files are reached only through
// LoaderEnv so that the loader can be tested (and fuzzed) without a LibOS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/sys_result.h"

namespace junction::libos::loader {

// What the loader needs from the LibOS. Paths are guest paths (resolved
// against the container root by the implementation).
class LoaderEnv {
 public:
  virtual ~LoaderEnv() = default;
  // Opens a file for reading; returns a host fd. Errors are Linux errnos
  // (ENOENT, EACCES, ENOEXEC...). Must check execute permission when
  // `for_exec` is set (EACCES if the file is not executable or a directory).
  virtual SysResult<int> Open(const std::string& path, bool for_exec) = 0;
  virtual SysResult<size_t> Pread(int fd, void* buf, size_t len, uint64_t off) = 0;
  virtual SysResult<uint64_t> FileSize(int fd) = 0;
  virtual void Close(int fd) = 0;
  // mmap into the guest address space (tracked as a VMA named `name`).
  // `flags` are Linux MAP_* flags; fd = -1 for anonymous memory.
  virtual SysResult<uintptr_t> Map(uintptr_t addr, size_t len, int prot, int flags, int fd,
                                   uint64_t off, const std::string& name) = 0;
  virtual SysResult<void> Protect(uintptr_t addr, size_t len, int prot) = 0;
  // Unmaps guest memory. Used to give back the gaps of a reservation and to
  // clean up after a failed load; without it those stay PROT_NONE reserved.
  virtual SysResult<void> Unmap(uintptr_t /*addr*/, size_t /*len*/) { return Errno{ENOSYS}; }
  // True if `path` names an existing regular executable file (PATH lookup).
  virtual bool IsExecutable(const std::string& path) = 0;
  // The soft RLIMIT_STACK the new program starts with (RLIM_INFINITY if
  // unlimited): it sizes the initial stack and the argument space.
  virtual uint64_t StackLimit() { return 8 << 20; }
};

// Values the initial auxv needs that come from the LibOS.
struct AuxValues {
  uintptr_t vdso_base = 0;  // AT_SYSINFO_EHDR; 0 = omit
  uint64_t hwcap = 0;
  uint64_t hwcap2 = 0;
  uint64_t minsigstksz = 0;
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
  bool secure = false;
  uint8_t random[16] = {};
  std::string platform = "x86_64";
  // AT_RSEQ_FEATURE_SIZE / AT_RSEQ_ALIGN (Linux >= 6.3); 0 = omit, which
  // is right while rseq returns ENOSYS.
  uint64_t rseq_feature_size = 0;
  uint64_t rseq_align = 0;
};

struct LoadedImage {
  uintptr_t entry = 0;        // where to start: interpreter entry if any
  uintptr_t exe_entry = 0;    // AT_ENTRY
  uintptr_t exe_base = 0;     // load bias of the executable
  uintptr_t phdr = 0;         // AT_PHDR (guest address)
  uint16_t phent = 0, phnum = 0;
  uintptr_t interp_base = 0;  // AT_BASE (0 if static)
  uintptr_t brk_start = 0;    // page-aligned end of the highest segment
  std::string exe_path;       // the resolved executable path (/proc/self/exe)
  std::string exe_real_path;  // exe_path with symlinks resolved, if the caller knows it
  std::string interp_path;    // empty for static executables
  std::vector<std::string> argv;  // after #! rewriting
  uintptr_t stack_pointer = 0;    // initial %rsp, pointing at argc
  uintptr_t stack_base = 0, stack_size = 0;
};

enum class LoadErrorKind { kNotFound, kNotExecutable, kBadFormat, kNoMemory, kIo };

struct LoadError {
  LoadErrorKind kind;
  int err;               // errno (ENOENT, EACCES, ENOEXEC, ...)
  std::string message;   // precise: "truncated program header table", ...
  int ShellExitCode() const { return kind == LoadErrorKind::kNotFound ? 127 : 126; }
};

// Resolves `argv[0]` (PATH lookup using `path_env` for a bare name), follows
// #! up to 4 levels, maps the executable and its interpreter, and builds the
// initial stack (argv, envp, auxv; 16-byte aligned as the kernel does).
// `execfn` for AT_EXECFN is the path as given.
bool Load(LoaderEnv& env, const std::vector<std::string>& argv,
          const std::vector<std::string>& envp, const std::string& path_env,
          const AuxValues& aux, LoadedImage* out, LoadError* err);

// Like Load, for execve: `execfn` is the file to run (no PATH lookup) and
// `argv` is passed to it as given (argv[0] may differ from execfn).
bool LoadFile(LoaderEnv& env, const std::string& execfn, const std::vector<std::string>& argv,
              const std::vector<std::string>& envp, const AuxValues& aux, LoadedImage* out,
              LoadError* err);

// Checks, without mapping anything, that `filename` exists, may be executed
// and is an ELF or #! script we can load (execve's checks before the point
// of no return).
bool Probe(LoaderEnv& env, const std::string& filename, LoadError* err);

}  // namespace junction::libos::loader
