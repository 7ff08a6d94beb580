// Pipes (LibOS objects, libos/ipc/pipe.h), splice and tee.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include <cstring>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/ipc/pipe.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

long PipeCommon(long fds_addr, long flags) {
  // O_NOTIFICATION_PIPE (O_EXCL): a watch-queue pipe; ENOPKG as a kernel
  // without CONFIG_WATCH_QUEUE says (after the check for unknown flags).
  constexpr long kNotificationPipe = O_EXCL;
  if (flags & ~static_cast<long>(O_CLOEXEC | O_NONBLOCK | O_DIRECT | kNotificationPipe)) return -EINVAL;
  if (flags & kNotificationPipe) return -ENOPKG;
  if (!GuestWritable(static_cast<uintptr_t>(fds_addr), 2 * sizeof(int))) return -EFAULT;
  auto [rd, wr] = ipc::MakePipe(static_cast<int>(flags));
  int out[2];
  auto r = InstallPair(rd, wr, flags & O_CLOEXEC, out);
  if (r) return r;
  if (!CopyToUser(static_cast<uintptr_t>(fds_addr), out, sizeof(out))) {
    // As Linux: the descriptors go again when they cannot be stored.
    (void)fs::FdTable::Get().Close(out[0]);
    (void)fs::FdTable::Get().Close(out[1]);
    return -EFAULT;
  }
  return 0;
}

ipc::PipeEnd* AsPipe(const fs::FilePtr& f) { return dynamic_cast<ipc::PipeEnd*>(f.get()); }

}  // namespace

JUNCTION_HANDLER(pipe) { return PipeCommon(a.a[0], 0); }
JUNCTION_HANDLER(pipe2) { return PipeCommon(a.a[0], a.a[1]); }

// splice: one end must be a pipe; data goes through a LibOS buffer.
JUNCTION_HANDLER(splice) {
  fs::FilePtr in = fs::FdTable::Get().Lookup(a.a[0]);
  fs::FilePtr out = fs::FdTable::Get().Lookup(a.a[2]);
  if (!in || !out) return -EBADF;
  if ((in->flags() & O_ACCMODE) == O_WRONLY || (out->flags() & O_ACCMODE) == O_RDONLY) return -EBADF;
  if (!AsPipe(in) && !AsPipe(out)) return -EINVAL;
  if ((AsPipe(in) && a.a[1]) || (AsPipe(out) && a.a[3])) return -ESPIPE;
  if (in == out || (AsPipe(in) && AsPipe(out) && &AsPipe(in)->pipe() == &AsPipe(out)->pipe())) return -EINVAL;
  size_t len = static_cast<size_t>(a.a[4]);
  if (!len) return 0;
  long in_off = 0, out_off = 0;
  if (a.a[1] && !UserPtr<long>(a.a[1]).Read().ok()) return -EFAULT;
  if (a.a[3] && !UserPtr<long>(a.a[3]).Read().ok()) return -EFAULT;
  if (a.a[1]) in_off = *UserPtr<long>(a.a[1]).Read();
  if (a.a[3]) out_off = *UserPtr<long>(a.a[3]).Read();
  std::vector<char> buf(std::min<size_t>(len, ipc::kPipeMaxSize));
  // Into a pipe, take no more than it has room for: bytes read from a
  // socket or file cannot be put back.
  if (ipc::PipeEnd* to_pipe = AsPipe(out); to_pipe && !AsPipe(in)) {
    size_t room = to_pipe->pipe().Room();
    if (room == 0 && ((a.a[5] & SPLICE_F_NONBLOCK) || out->nonblocking())) return -EAGAIN;
    if (room) buf.resize(std::min(buf.size(), room));
  }
  // SPLICE_F_NONBLOCK makes the pipe side non-blocking for this call.
  bool nb = a.a[5] & SPLICE_F_NONBLOCK;
  if (nb && AsPipe(in) && AsPipe(out) && !AsPipe(out)->Poll()) return -EAGAIN;
  if (nb && AsPipe(in) && !(AsPipe(in)->Poll() & (EPOLLIN | EPOLLHUP))) return -EAGAIN;
  // From a pipe, bytes are only peeked until the other side took them: a
  // short write (a non-blocking socket with a full buffer) must leave the
  // rest in the pipe, as Linux does.
  ipc::PipeEnd* from_pipe = AsPipe(in);
  SysResult<size_t> n = a.a[1]   ? in->Pread(buf.data(), buf.size(), static_cast<uint64_t>(in_off))
                        : from_pipe ? from_pipe->pipe().Read(in.get(), buf.data(), buf.size(), ipc::kIoPeek)
                                    : in->Read(buf.data(), buf.size());
  if (!n.ok()) return -n.error();
  if (!*n) return 0;
  SysResult<size_t> w = a.a[3] ? out->Pwrite(buf.data(), *n, static_cast<uint64_t>(out_off))
                               : out->Write(buf.data(), *n);
  if (!w.ok()) return -w.error();
  if (from_pipe && *w) {
    std::vector<char> sink(*w);
    (void)from_pipe->pipe().Read(in.get(), sink.data(), *w, ipc::kIoNonBlock);
  }
  if (a.a[1]) (void)UserPtr<long>(a.a[1]).Write(in_off + static_cast<long>(*n));
  if (a.a[3]) (void)UserPtr<long>(a.a[3]).Write(out_off + static_cast<long>(*w));
  return static_cast<long>(*w);
}

JUNCTION_HANDLER(tee) {
  fs::FilePtr in = fs::FdTable::Get().Lookup(a.a[0]);
  fs::FilePtr out = fs::FdTable::Get().Lookup(a.a[1]);
  if (!in || !out) return -EBADF;
  ipc::PipeEnd *pi = AsPipe(in), *po = AsPipe(out);
  if (!pi || !po || pi->writer() || !po->writer() || &pi->pipe() == &po->pipe()) return -EINVAL;
  auto r = pi->pipe().TeeTo(pi, po->pipe(), po, static_cast<size_t>(a.a[2]));
  return r.ok() ? static_cast<long>(*r) : -r.error();
}

}  // namespace junction::libos
