// pread64/pwrite64 on the lazy path (kLazy): on a description with direct
// host I/O and a buffer in a guest VMA this kthread knows, the host call is
// made on the guest's registers (no vector state saved, no %fs switch).
// read/write: on a pipe end, any read and writes up to PIPE_BUF (one that
// must wait parks the uthread on the guest's registers, as a futex wait
// does; ipc/pipe_lazy.cc); on a host file that never blocks (a regular
// file, once a full-path call found so), the host call. Anything else enters the LibOS context and takes the
// full handler (sys_fd.cc). Built with -mgeneral-regs-only.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libos/entry/libos_context.h"
#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/ipc/pipe.h"
#include "libos/syscalls/handlers.h"

namespace junction::libos {

namespace {

// The two-VMA case of KnownGuestSpan, out of line.
[[gnu::noinline]] bool KnownGuestSpanAcross(const ThreadState* ts, uintptr_t addr, size_t len,
                                            int prot) {
  uintptr_t end = addr + len;
  if (len < 2 || end < addr) return false;
  const ThreadState::GuestRange* first = KnownGuestRange(ts, addr, 1, prot);
  return first && KnownGuestRange(ts, first->end, end - first->end, prot);
}

// [addr, addr+len) lies in guest VMAs this kthread knows: one, or two
// adjacent ones (a buffer across the end of .data and the start of .bss,
// or of two mappings). The one-VMA check is inlined on the hot path.
inline bool KnownGuestSpan(const ThreadState* ts, uintptr_t addr, size_t len, int prot) {
  return KnownGuestRange(ts, addr, len, prot) || KnownGuestSpanAcross(ts, addr, len, prot);
}

// After a miss (LibOS context): remembers the VMAs holding both ends.
void RememberGuestSpan(ThreadState* ts, uintptr_t addr, size_t len) {
  RememberGuestVma(ts, addr);
  if (len > 1 && !KnownGuestRange(ts, addr, len, 0)) RememberGuestVma(ts, addr + len - 1);
}

long PositionalHostIo(const SyscallArgs& a, bool write, SyscallHandler full) {
  ThreadState* ts = CurrentThread();
  auto buf = static_cast<uintptr_t>(a.a[1]);
  auto len = static_cast<size_t>(a.a[2]);
  int host_fd = -1;
  if (a.a[3] >= 0 && KnownGuestSpan(ts, buf, len, write ? PROT_READ : PROT_WRITE))
    host_fd = fs::FdTable::Get().LazyHostFd(a.a[0], write ? O_WRONLY : O_RDONLY, &ts->lazy_host_fd);
  if (host_fd < 0) {
    EnterLibos(ts);
    RememberGuestSpan(ts, buf, len);
    return full(a);
  }
  long r = LazyHostCall(ts, write ? SYS_pwrite64 : SYS_pread64, host_fd, a.a[1], a.a[2], a.a[3]);
  __atomic_store_n(&ts->lazy_host_fd, -1, __ATOMIC_RELEASE);
  return r;
}

long SequentialIo(const SyscallArgs& a, bool write, SyscallHandler full) {
  ThreadState* ts = CurrentThread();
  auto buf = static_cast<uintptr_t>(a.a[1]);
  auto len = static_cast<size_t>(a.a[2]);
  if (KnownGuestSpan(ts, buf, len, write ? PROT_READ : PROT_WRITE)) {
    fs::FdTable& table = fs::FdTable::Get();
    if (fs::File* f = table.LazyPipeEnd(a.a[0], write ? 2 : 1, &ts->lazy_object)) {
      auto* end = static_cast<ipc::PipeEnd*>(f);
      long r = write ? end->pipe().WriteLazy(end, reinterpret_cast<const void*>(buf), len)
                     : end->pipe().ReadLazy(end, reinterpret_cast<void*>(buf), len);
      // The call may have entered the LibOS or blocked and resumed on
      // another kthread: this kthread's state.
      ts = CurrentThread();
      __atomic_store_n(&ts->lazy_object, nullptr, __ATOMIC_RELEASE);
      if (r != ipc::PipeBuffer::kNotLazy) return r;
    } else {
      // A host file known never to block (a regular file): the host call
      // on the guest's registers, as the full path makes it (HostIo).
      int host_fd = table.LazyHostFd(a.a[0], write ? O_WRONLY : O_RDONLY, &ts->lazy_host_fd, true);
      if (host_fd >= 0) {
        long r = LazyHostCall(ts, write ? SYS_write : SYS_read, host_fd, a.a[1], a.a[2]);
        __atomic_store_n(&ts->lazy_host_fd, -1, __ATOMIC_RELEASE);
        return r;
      }
    }
  }
  EnterLibos(ts);
  RememberGuestSpan(ts, buf, len);
  return full(a);
}

}  // namespace

JUNCTION_HANDLER(read_lazy) { return SequentialIo(a, false, Sys_read); }
JUNCTION_HANDLER(write_lazy) { return SequentialIo(a, true, Sys_write); }

// close of a host regular file or directory that nothing else holds: the
// host close on the guest's registers (FdTable::LazyCloseHostFile), made
// here, the handler's last step, so that only its own return follows.
JUNCTION_HANDLER(close_lazy) {
  int host_fd = fs::FdTable::Get().LazyCloseHostFile(a.a[0]);
  if (host_fd >= 0) {
    LazyHostCall(CurrentThread(), SYS_close, host_fd);
    return 0;
  }
  EnterLibos(CurrentThread());
  return Sys_close(a);
}

JUNCTION_HANDLER(pread64_lazy) { return PositionalHostIo(a, false, Sys_pread64); }
JUNCTION_HANDLER(pwrite64_lazy) { return PositionalHostIo(a, true, Sys_pwrite64); }

}  // namespace junction::libos
