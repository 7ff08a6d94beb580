// execve/execveat: the new program replaces the old one inside this
// process. Checks that can fail (file, permission, format) happen before
// the old image is torn down, as in Linux; past that point a load failure
// kills the process with SIGSEGV, as Linux does.
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>

#include <string>
#include <vector>

#include "libos/entry/rewrite.h"
#include "libos/ipc/sysv/sysv_registry.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/vfs.h"
#include "libos/guest_start.h"
#include "libos/libos.h"
#include "libos/host/host.h"
#include "libos/loader/initial_stack.h"
#include "libos/loader_env.h"
#include "libos/mm/address_space.h"
#include "libos/proc/process_view.h"
#include "libos/proc/task_sched.h"
#include "libos/process.h"
#include "libos/signals/posix_timers.h"
#include "libos/signals/rseq.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/capabilities.h"
#include "libos/syscalls/user_memory.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

constexpr size_t kMaxArgStrings = 0x7fffffff / 8;
// Beyond this much, no RLIMIT_STACK lets the strings in (loader::ArgumentsFit).
constexpr size_t kMaxArgBytes = loader::kMaxArgSpace;

// Copies a NULL-terminated guest array of strings.
SysResult<std::vector<std::string>> CopyStringArray(long addr) {
  std::vector<std::string> out;
  if (addr == 0) return out;  // Linux accepts NULL as an empty array
  size_t total = 0;
  for (size_t i = 0; i < kMaxArgStrings; i++) {
    auto p = UserPtr<uintptr_t>(addr + static_cast<long>(i * sizeof(uintptr_t))).Read();
    if (!p.ok()) return Errno{p.error()};
    if (*p == 0) return out;
    auto s = CopyStringFromUser(static_cast<long>(*p), kMaxArgBytes);
    if (!s.ok()) return Errno{s.error() == ENAMETOOLONG ? E2BIG : s.error()};
    total += s->size() + 1 + sizeof(uintptr_t);
    if (total > kMaxArgBytes) return Errno{E2BIG};
    out.push_back(std::move(*s));
  }
  return Errno{E2BIG};
}

long Exec(const std::string& filename, long argv_addr, long envp_addr) {
  auto argv = CopyStringArray(argv_addr);
  if (!argv.ok()) return -argv.error();
  auto envp = CopyStringArray(envp_addr);
  if (!envp.ok()) return -envp.error();

  GuestLoaderEnv env;
  env.KeepExecFiles();
  loader::LoadError err;
  if (!loader::Probe(env, filename, &err)) return -err.err;
  // The limits the stack layout will hold the strings to (MAX_ARG_STRLEN,
  // a quarter of RLIMIT_STACK): E2BIG here, while there is a caller to get it.
  loader::StackContents strings{.argv = &*argv, .envp = &*envp, .execfn = filename};
  std::string too_big;
  if (!loader::ArgumentsFit(strings, env.StackLimit(), &too_big)) return -E2BIG;

  // Point of no return.
  StraceFlush();
  proc::SchedAttrs sched = proc::CurrentSched();  // the caller's, kept as the main thread's
  int former_tid = sched::Current()->tid;
  EndOtherThreadsForExec();  // none touches the old image any more
  ReleaseVforkParent();
  sysv::OnExec();  // its shared memory attachments end with the image
  proc::ForgetStackStrings();  // before the old image's stack goes
  AddressSpace::Get().ResetForExec();
  ResetTrampolines();
  RestoreVdsoForExec();  // its rewritten sites jump to the trampolines just unmapped
  fs::FdTable::Get().CloseOnExec();
  fs::SetProcessArgs(*argv, *envp);
  proc::SetCommand(*argv);
  proc::ForgetOtherThreads();  // exec leaves one thread, with the process's id
  proc::SetMainThreadSched(sched, former_tid);
  ResetSignalsForExec();
  CapabilitiesForExec(CurrentProcess());
  DeletePosixTimersForExec();
  RseqResetForExec();
  loader::LoadedImage image;
  if (!loader::LoadFile(env, filename, *argv, *envp, GuestAuxValues(), &image, &err)) {
    char msg[512];
    int n = std::snprintf(msg, sizeof(msg), "junction: execve %s failed after the old image was gone: %s\n",
                          filename.c_str(), err.message.c_str());
    host::WriteAll(2, msg, static_cast<size_t>(n));
    // Killed by SIGSEGV, as Linux's exec past its point of no return: the
    // host's default action, not the LibOS's handler (which queues a sent one).
    uint64_t dfl[4] = {reinterpret_cast<uint64_t>(SIG_DFL), 0, 0, 0};  // handler, flags, restorer, mask
    host::Syscall(SYS_rt_sigaction, SIGSEGV, host::L(dfl), 0, 8);
    host::Syscall(SYS_tgkill, CurrentProcess().host_pid, CurrentProcess().host_pid, SIGSEGV);
    host::ExitGroup(128 + SIGSEGV);
  }
  image.exe_real_path = env.RealPath(image.exe_path);
  env.CloseKept();  // StartImage does not return: no destructor runs
  StartImage(image);
}

}  // namespace

JUNCTION_HANDLER(execve) {
  auto path = CopyStringFromUser(a.a[0]);
  if (!path.ok()) return -path.error();
  if (path->empty()) return -ENOENT;
  return Exec(*path, a.a[1], a.a[2]);
}

JUNCTION_HANDLER(execveat) {
  auto path = CopyStringFromUser(a.a[1]);
  if (!path.ok()) return -path.error();
  int flags = static_cast<int>(a.a[4]);
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
  if (path->empty()) {
    if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
    if (!fs::FdTable::Get().Lookup(a.a[0])) return -EBADF;
    return Exec("/proc/self/fd/" + std::to_string(a.a[0]), a.a[2], a.a[3]);
  }
  if ((*path)[0] != '/' && static_cast<int>(a.a[0]) != AT_FDCWD) {
    if (!fs::FdTable::Get().Lookup(a.a[0])) return -EBADF;
    return Exec("/proc/self/fd/" + std::to_string(a.a[0]) + "/" + *path, a.a[2], a.a[3]);
  }
  return Exec(*path, a.a[2], a.a[3]);
}

}  // namespace junction::libos
