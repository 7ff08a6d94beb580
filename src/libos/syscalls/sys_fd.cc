// Descriptor-based calls: I/O, the descriptor table (dup, close, fcntl),
// ioctl, memfd. (Pipes: sys_pipe.cc; poll/select: sys_poll.cc.) Guest descriptor numbers
// are the LibOS's (fs::FdTable); host-backed descriptions pass I/O straight
// to their host descriptor.
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>

#include <cstring>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/fs/terminal.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/host/host_wait.h"
#include "libos/ipc/pipe.h"
#include "libos/net/interface_ioctl.h"
#include "libos/net/socket.h"
#include "libos/process.h"
#include "libos/syscalls/handlers.h"
#include "sched/reactor.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

using fs::FdTable;
using fs::FilePtr;

long ToErr(int e) { return -static_cast<long>(e); }

template <typename T>
long Raw(const SysResult<T>& r) {
  return r.ok() ? static_cast<long>(*r) : ToErr(r.error());
}

#define FILE_ARG(var, idx)                      \
  FilePtr var = FdTable::Get().Lookup(a.a[idx]); \
  if (!var) return -EBADF

bool IsPath(const FilePtr& f) { return f->flags() & O_PATH; }
bool Readable(const FilePtr& f) { return !IsPath(f) && (f->flags() & O_ACCMODE) != O_WRONLY; }
bool Writable(const FilePtr& f) { return !IsPath(f) && (f->flags() & O_ACCMODE) != O_RDONLY; }

// `iov`: the LibOS's copy of the guest's array (CopyFromUser), so that
// what is checked is what is used.
bool IovecsOk(const iovec* iov, long iovcnt, bool write_to_guest) {
  for (long i = 0; i < iovcnt; i++) {
    auto base = reinterpret_cast<uintptr_t>(iov[i].iov_base);
    bool ok = write_to_guest ? GuestWritable(base, iov[i].iov_len) : GuestReadable(base, iov[i].iov_len);
    if (!ok) return false;
  }
  return true;
}

// readv/writev of a LibOS pipe: one read or write of all the iovecs, as
// Linux's pipe_read/pipe_write (units cross iovecs, a fault part-way
// counts the whole units before it; a writev of up to PIPE_BUF is atomic).
// A read goes through LibOS memory, as far as the iovecs take a write.
// The bytes of `iov` in guest memory, up to the first iovec that leaves it.
size_t ReadableVectorPrefix(const iovec* iov, long cnt) {
  size_t valid = 0;
  for (long i = 0; i < cnt; i++) {
    size_t ok = GuestReadablePrefix(iov[i].iov_base, iov[i].iov_len);
    valid += ok;
    if (ok < iov[i].iov_len) break;
  }
  return valid;
}

long PipeVectorIo(ipc::PipeEnd* end, const iovec* iov, long cnt, bool write) {
  if (write) {
    if (!end->writer()) return -EBADF;
    size_t valid = ReadableVectorPrefix(iov, cnt);
    return Raw(end->pipe().WriteV(end, iov, static_cast<size_t>(cnt), (end->flags() & O_DIRECT) ? ipc::kIoPacket : 0,
                                  valid));
  }
  if (end->writer()) return -EBADF;
  size_t total = 0;
  for (long i = 0; i < cnt; i++) total += iov[i].iov_len;
  if (!total) return 0;
  // At most a pipe's worth is read: the buffer is checked that far.
  std::vector<char> tmp(std::min(total, end->pipe().size()));
  size_t room = 0;
  for (long i = 0; i < cnt && room < tmp.size(); i++) {
    size_t want = std::min(iov[i].iov_len, tmp.size() - room);
    size_t ok = GuestWritablePrefix(iov[i].iov_base, want);
    room += ok;
    if (ok < want) break;
  }
  auto r = end->pipe().Read(end, tmp.data(), tmp.size(), 0, nullptr, room);
  if (!r.ok()) return ToErr(r.error());
  size_t off = 0;
  for (long i = 0; i < cnt && off < *r; i++) {
    size_t n = std::min(iov[i].iov_len, *r - off);
    if (!SafeCopy(iov[i].iov_base, tmp.data() + off, n)) return off ? static_cast<long>(off) : -EFAULT;
    off += n;
  }
  return static_cast<long>(*r);
}

// readv/writev/preadv/pwritev on a description with LibOS bookkeeping.
long VectorIo(const FilePtr& f, const iovec* iov, long cnt, bool write, long off) {
  if (off < 0 && cnt > 1)
    if (auto* end = dynamic_cast<ipc::PipeEnd*>(f.get())) return PipeVectorIo(end, iov, cnt, write);
  long total = 0;
  for (long i = 0; i < cnt; i++) {
    if (!iov[i].iov_len) continue;
    SysResult<size_t> r = size_t{0};
    if (off < 0)
      r = write ? f->Write(iov[i].iov_base, iov[i].iov_len) : f->Read(iov[i].iov_base, iov[i].iov_len);
    else
      r = write ? f->Pwrite(iov[i].iov_base, iov[i].iov_len, static_cast<uint64_t>(off + total))
                : f->Pread(iov[i].iov_base, iov[i].iov_len, static_cast<uint64_t>(off + total));
    if (!r.ok()) return total ? total : ToErr(r.error());
    total += static_cast<long>(*r);
    if (*r < iov[i].iov_len) break;
  }
  return total;
}

}  // namespace

// Host descriptors that can block (a terminal, pipe, FIFO or socket the
// guest inherited or opened): unless the guest asked for non-blocking I/O,
// wait for readiness through the reactor (the uthread parks, the kthread
// runs others), then do the call, which then does not block. The host
// description's O_NONBLOCK is never touched (it may be shared with the
// shell).
long HostIo(fs::File* f, bool write, long nr, long a1, long a2) {
  auto* hf = dynamic_cast<fs::HostFile*>(f);
  if (!hf || !hf->MayBlock() || f->nonblocking()) return host::Syscall(nr, f->host_fd(), a1, a2);
  short want = write ? POLLOUT : POLLIN;
  for (;;) {
    pollfd p{f->host_fd(), want, 0};
    timespec zero{0, 0};
    long r = host::Syscall(SYS_ppoll, host::L(&p), 1, host::L(&zero), 0, 0);
    // A host signal interrupted the check: check again (never a blocking
    // host call that holds the kthread). It may have been the LibOS's own
    // (a preemption tick, a daemon kick), which must not fail the guest's
    // read with EINTR; a guest signal it queued ends the wait in Park.
    if (r == -EINTR) continue;
    if (r != 0) {
      // Ready (or an error the call reports). A description shared with
      // another process (non-blocking on the host) may have been drained
      // since: a blocking caller waits again.
      r = host::Syscall(nr, f->host_fd(), a1, a2);
      if (r != -EAGAIN) return r;
      continue;
    }
    r = sched::WaitHostFd(f->host_fd(), write ? EPOLLOUT : EPOLLIN, 0);
    if (r == -EINTR) return -EINTR;
    if (r < 0 && r != -ETIMEDOUT) return host::Syscall(nr, f->host_fd(), a1, a2);
  }
}

SysResult<size_t> HostRw(const fs::FilePtr& f, bool write, void* buf, size_t len) {
  long r = HostIo(f, write, write ? SYS_write : SYS_read, host::L(buf), static_cast<long>(len));
  if (r < 0) return Errno{static_cast<int>(-r)};
  return static_cast<size_t>(r);
}

namespace {

// Whether the file has no position (a pipe, a socket): a zero-length
// pread says ESPIPE without touching memory.
bool Unpositioned(const FilePtr& f) {
  auto r = f->Pread(nullptr, 0, 0);
  return !r.ok() && r.error() == ESPIPE;
}

long Rw(long fd, long iov, long cnt, bool write, long off, long flags, bool positional) {
  FilePtr f = FdTable::Get().Lookup(fd);
  if (!f) return -EBADF;
  // What has no position fails a positional call with ESPIPE before the
  // other checks, as Linux (FMODE_PREAD); looked at on the error paths only.
  auto fail = [&](long e) { return positional && off != -1 && Unpositioned(f) ? -ESPIPE : e; };
  if (write ? !Writable(f) : !Readable(f)) return fail(-EBADF);
  if (cnt < 0 || cnt > 1024) return fail(-EINVAL);
  // The array is copied once (fault-tolerant) and the copy is checked and
  // used, by the LibOS and by the host call: another guest thread cannot
  // change it in between.
  iovec small[8];
  std::vector<iovec> big;
  iovec* v = small;
  if (cnt > 8) {
    big.resize(static_cast<size_t>(cnt));
    v = big.data();
  }
  if (!CopyFromUser(v, static_cast<uintptr_t>(iov), sizeof(iovec) * static_cast<size_t>(cnt))) return fail(-EFAULT);
  // A negative length is EINVAL before any buffer is looked at.
  for (long i = 0; i < cnt; i++)
    if (static_cast<ssize_t>(v[i].iov_len) < 0) return fail(-EINVAL);
  if (!IovecsOk(v, cnt, !write)) {
    // Iovecs that leave guest memory part-way: a LibOS pipe takes what
    // lies before, as Linux does up to a fault.
    auto* end = positional ? nullptr : dynamic_cast<ipc::PipeEnd*>(f.get());
    if (end) return PipeVectorIo(end, v, cnt, write);
    // A unix stream socket sends the units before the fault, as write does.
    auto* s = positional || !write ? nullptr : dynamic_cast<net::Socket*>(f.get());
    if (s && s->sends_in_place())
      return Raw(s->SendIovecs(v, static_cast<size_t>(cnt), ReadableVectorPrefix(v, cnt), 0));
    return fail(-EFAULT);
  }
  long local = host::L(v);
  if (f->direct_io()) {
    if (!positional) return HostIo(f, write, write ? SYS_writev : SYS_readv, local, cnt);
    if (flags) return host::Syscall(write ? SYS_pwritev2 : SYS_preadv2, f->host_fd(), local, cnt, off, 0, flags);
    return host::Syscall(write ? SYS_pwritev : SYS_preadv, f->host_fd(), local, cnt, off, 0);
  }
  return VectorIo(f, v, cnt, write, positional ? off : -1);
}

}  // namespace

namespace {

// read/write of a buffer that leaves guest memory part-way (the VMA check
// failed): LibOS pipes, unix sockets, signalfd, inotify, eventfd and
// timerfd do what Linux does at a fault there; others answer EFAULT.
long PartialGuestRw(const FilePtr& f, bool write, long buf, long len) {
  iovec v{reinterpret_cast<void*>(buf), static_cast<size_t>(len)};
  if (!write) return Raw(f->ReadPartial(v.iov_base, v.iov_len, GuestWritablePrefix(v.iov_base, v.iov_len)));
  if (auto* end = dynamic_cast<ipc::PipeEnd*>(f.get())) return PipeVectorIo(end, &v, 1, write);
  // A unix stream socket sends the units before the fault, as Linux.
  if (auto* s = dynamic_cast<net::Socket*>(f.get()); s && s->sends_in_place()) {
    v.iov_len = std::min(v.iov_len, kMaxRwCount);
    return Raw(s->SendIovecs(&v, 1, GuestReadablePrefix(v.iov_base, v.iov_len), 0));
  }
  return -EFAULT;
}

}  // namespace

JUNCTION_HANDLER(read) {
  FILE_ARG(f, 0);
  if (!Readable(f)) return -EBADF;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2])))
    return PartialGuestRw(f, false, a.a[1], a.a[2]);
  if (f->direct_io()) return HostIo(f, false, SYS_read, a.a[1], a.a[2]);
  return Raw(f->Read(reinterpret_cast<void*>(a.a[1]), static_cast<size_t>(a.a[2])));
}

JUNCTION_HANDLER(write) {
  FILE_ARG(f, 0);
  if (!Writable(f)) return -EBADF;
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2])))
    return PartialGuestRw(f, true, a.a[1], a.a[2]);
  if (f->direct_io()) return HostIo(f, true, SYS_write, a.a[1], a.a[2]);
  return Raw(f->Write(reinterpret_cast<const void*>(a.a[1]), static_cast<size_t>(a.a[2])));
}

// Linux's order for pread64/pwrite64: a negative offset before the
// descriptor, then ESPIPE, then the direction, then the buffer.
JUNCTION_HANDLER(pread64) {
  if (a.a[3] < 0) return -EINVAL;
  FILE_ARG(f, 0);
  if (!Readable(f)) return Unpositioned(f) ? -ESPIPE : -EBADF;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2])))
    return Unpositioned(f) ? -ESPIPE : -EFAULT;
  if (f->direct_io()) return host::Syscall(SYS_pread64, f->host_fd(), a.a[1], a.a[2], a.a[3]);
  return Raw(f->Pread(reinterpret_cast<void*>(a.a[1]), static_cast<size_t>(a.a[2]),
                      static_cast<uint64_t>(a.a[3])));
}

JUNCTION_HANDLER(pwrite64) {
  if (a.a[3] < 0) return -EINVAL;
  FILE_ARG(f, 0);
  if (!Writable(f)) return Unpositioned(f) ? -ESPIPE : -EBADF;
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2])))
    return Unpositioned(f) ? -ESPIPE : -EFAULT;
  if (f->direct_io()) return host::Syscall(SYS_pwrite64, f->host_fd(), a.a[1], a.a[2], a.a[3]);
  return Raw(f->Pwrite(reinterpret_cast<const void*>(a.a[1]), static_cast<size_t>(a.a[2]),
                       static_cast<uint64_t>(a.a[3])));
}

JUNCTION_HANDLER(readv) { return Rw(a.a[0], a.a[1], a.a[2], false, 0, 0, false); }
JUNCTION_HANDLER(writev) { return Rw(a.a[0], a.a[1], a.a[2], true, 0, 0, false); }
// A negative offset is EINVAL before the descriptor (-1 means "the file
// position" to preadv2/pwritev2 only).
JUNCTION_HANDLER(preadv) { return a.a[3] < 0 ? -EINVAL : Rw(a.a[0], a.a[1], a.a[2], false, a.a[3], 0, true); }
JUNCTION_HANDLER(pwritev) { return a.a[3] < 0 ? -EINVAL : Rw(a.a[0], a.a[1], a.a[2], true, a.a[3], 0, true); }
JUNCTION_HANDLER(preadv2) {
  if (a.a[3] < -1) return -EINVAL;
  if (a.a[3] == -1 && !a.a[5]) return Rw(a.a[0], a.a[1], a.a[2], false, 0, 0, false);
  return Rw(a.a[0], a.a[1], a.a[2], false, a.a[3], a.a[5], true);
}
JUNCTION_HANDLER(pwritev2) {
  if (a.a[3] < -1) return -EINVAL;
  if (a.a[3] == -1 && !a.a[5]) return Rw(a.a[0], a.a[1], a.a[2], true, 0, 0, false);
  return Rw(a.a[0], a.a[1], a.a[2], true, a.a[3], a.a[5], true);
}

JUNCTION_HANDLER(lseek) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  if (static_cast<unsigned long>(a.a[2]) > SEEK_HOLE) return -EINVAL;  // before ESPIPE, as Linux
  // A rewind goes through the description (a host directory restarts the
  // mount points it lists after the host's entries).
  if (f->host_fd() >= 0 && (a.a[1] != 0 || a.a[2] != SEEK_SET))
    return host::Syscall(SYS_lseek, f->host_fd(), a.a[1], a.a[2]);
  return Raw(f->Seek(a.a[1], static_cast<int>(a.a[2])));
}

JUNCTION_HANDLER(getdents64) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]))) {
    // Linux checks only the range's bounds up front (access_ok), then that
    // this is a directory; the buffer faults when the entries are copied.
    uintptr_t p = static_cast<uintptr_t>(a.a[1]), n = static_cast<unsigned>(a.a[2]);  // count is unsigned int
    struct stat st{};
    if (p + n >= p && p + n <= AddressSpace::kUserTop && (!f->Stat(&st).ok() || !S_ISDIR(st.st_mode)))
      return -ENOTDIR;
    return -EFAULT;
  }
  // Host directories too: they list the mount points below them.
  return Raw(f->Getdents(reinterpret_cast<void*>(a.a[1]), static_cast<size_t>(a.a[2])));
}

JUNCTION_HANDLER(close) { return ToRaw(FdTable::Get().Close(a.a[0])); }

JUNCTION_HANDLER(close_range) {
  unsigned first = static_cast<unsigned>(a.a[0]), last = static_cast<unsigned>(a.a[1]);
  unsigned flags = static_cast<unsigned>(a.a[2]);
  if (flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)) return -EINVAL;
  if (first > last) return -EINVAL;
  FdTable::Get().CloseRange(first, last, flags & CLOSE_RANGE_CLOEXEC);
  return 0;
}

JUNCTION_HANDLER(dup) {
  FILE_ARG(f, 0);
  return Raw(FdTable::Get().Insert(f, false));
}

JUNCTION_HANDLER(dup2) {
  FILE_ARG(f, 0);
  if (a.a[0] == a.a[1]) return a.a[1];
  if (a.a[1] < 0 || static_cast<uint64_t>(a.a[1]) >= FdTable::Get().limit()) return -EBADF;
  return Raw(FdTable::Get().InsertAt(static_cast<int>(a.a[1]), f, false));
}

JUNCTION_HANDLER(dup3) {
  if (a.a[2] & ~static_cast<long>(O_CLOEXEC)) return -EINVAL;
  if (a.a[0] == a.a[1]) return -EINVAL;
  FILE_ARG(f, 0);
  if (a.a[1] < 0 || static_cast<uint64_t>(a.a[1]) >= FdTable::Get().limit()) return -EBADF;
  return Raw(FdTable::Get().InsertAt(static_cast<int>(a.a[1]), f, a.a[2] & O_CLOEXEC));
}

JUNCTION_HANDLER(fcntl) {
  FILE_ARG(f, 0);
  long cmd = a.a[1], arg = a.a[2];
  bool host = f->host_fd() >= 0;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      // Linux's unsigned int argument: EINVAL from RLIMIT_NOFILE on.
      unsigned from = static_cast<unsigned>(arg);
      if (from >= FdTable::Get().limit()) return -EINVAL;
      return Raw(FdTable::Get().Insert(f, cmd == F_DUPFD_CLOEXEC, static_cast<int>(from)));
    }
    case F_GETFD: {
      auto c = FdTable::Get().GetCloexec(a.a[0]);
      return c.ok() ? (*c ? FD_CLOEXEC : 0) : ToErr(c.error());
    }
    case F_SETFD:
      return ToRaw(FdTable::Get().SetCloexec(a.a[0], arg & FD_CLOEXEC));
    case F_GETFL:
      if (host && !dynamic_cast<net::Socket*>(f.get())) {
        long fl = host::Syscall(SYS_fcntl, f->host_fd(), F_GETFL);
        auto* hf = dynamic_cast<fs::HostFile*>(f.get());
        return hf ? hf->GuestStatusFlags(fl) : fl;
      }
      return f->flags() | O_LARGEFILE;
    case F_SETFL: {
      constexpr int kSettable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
      if (IsPath(f)) return -EBADF;
      // Host sockets stay O_NONBLOCK on the host; the guest's mode is ours
      // (O_ASYNC goes to the host: it sends SIGIO).
      if (host) {
        long hflags = dynamic_cast<net::Socket*>(f.get()) ? (O_NONBLOCK | (arg & O_ASYNC)) : arg;
        auto* hf = dynamic_cast<fs::HostFile*>(f.get());
        long r = hf ? hf->SetHostStatusFlags(hflags) : host::Syscall(SYS_fcntl, f->host_fd(), F_SETFL, hflags);
        if (r < 0) return r;
      }
      f->set_flags((f->flags() & ~kSettable) | (static_cast<int>(arg) & kSettable));
      return 0;
    }
    case F_GETLK: case F_SETLK: case F_SETLKW:
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW: {
      if (IsPath(f)) return -EBADF;  // before the struct, as Linux
      // The host writes the struct back only for a query; a set only reads it.
      bool query = cmd == F_GETLK || cmd == F_OFD_GETLK;
      if (!(query ? GuestWritable(static_cast<uintptr_t>(arg), sizeof(struct flock))
                  : GuestReadable(static_cast<uintptr_t>(arg), sizeof(struct flock))))
        return -EFAULT;
      if (host) {
        // Only F_SETLKW and F_OFD_SETLKW wait, and only they give EINTR.
        bool waits = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
        long r = HostWaitCallAs(waits, SYS_fcntl, f->host_fd(), cmd, arg, 0, 0, 0);
        if (r == 0 && (cmd == F_GETLK || cmd == F_OFD_GETLK)) {
          // The holder is named by container pid (0 outside the container,
          // as across a pid namespace); -1 (an OFD lock) stays.
          auto l = UserPtr<struct flock>(arg).Read();
          if (!l.ok()) return -EFAULT;
          if (l->l_type != F_UNLCK && l->l_pid > 0) {
            l->l_pid = proc::ContainerPid(l->l_pid);
            if (!UserPtr<struct flock>(arg).Write(*l).ok()) return -EFAULT;
          }
        }
        return r;
      }
      if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        auto l = UserPtr<struct flock>(arg).Read();
        if (!l.ok()) return -EFAULT;
        l->l_type = F_UNLCK;
        return UserPtr<struct flock>(arg).Write(*l).ok() ? 0 : -EFAULT;
      }
      return 0;  // generated files: nobody else can hold a lock
    }
    case F_GETOWN:
      return f->owner();
    case F_SETOWN: {
      // Recorded in container terms; a host descriptor's owner is set on
      // the host too (it raises SIGIO). LibOS objects raise none.
      int owner = static_cast<int>(arg);
      if (host || owner != 0) {
        int h = proc::HostOwner(owner);
        if (owner != 0 && h == 0) return -ESRCH;
        if (host) {
          long r = host::Syscall(SYS_fcntl, f->host_fd(), F_SETOWN, h);
          if (r < 0) return r;
        }
      }
      f->set_owner(owner);
      return 0;
    }
    case F_GETPIPE_SZ: case F_SETPIPE_SZ: case F_GET_SEALS: case F_ADD_SEALS:
    case F_SETSIG: case F_GETSIG: case F_NOTIFY:
    case F_SETLEASE: case F_GETLEASE:
      if (!host) {
        if (cmd == F_GETSIG) return 0;
        auto r = f->Fcntl(static_cast<int>(cmd), arg);
        return r.ok() ? *r : ToErr(r.error());
      }
      return host::Syscall(SYS_fcntl, f->host_fd(), cmd, arg);
    default:
      return -EINVAL;
  }
}

JUNCTION_HANDLER(ioctl) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  long req = a.a[1], arg = a.a[2];
  switch (req) {
    case FIOCLEX: return ToRaw(FdTable::Get().SetCloexec(a.a[0], true));
    case FIONCLEX: return ToRaw(FdTable::Get().SetCloexec(a.a[0], false));
    case FIONBIO: {
      auto v = UserPtr<int>(arg).Read();
      if (!v.ok()) return -EFAULT;
      if (f->host_fd() >= 0 && !dynamic_cast<net::Socket*>(f.get())) {
        long r = host::Syscall(SYS_ioctl, f->host_fd(), FIONBIO, arg);
        if (r < 0) return r;
      }
      f->set_flags(*v ? (f->flags() | O_NONBLOCK) : (f->flags() & ~O_NONBLOCK));
      return 0;
    }
    case FIOASYNC: {
      auto v = UserPtr<int>(arg).Read();
      if (!v.ok()) return -EFAULT;
      if (f->host_fd() >= 0) {
        long r = host::Syscall(SYS_ioctl, f->host_fd(), FIOASYNC, arg);
        if (r < 0) return r;
      }
      f->set_flags(*v ? (f->flags() | O_ASYNC) : (f->flags() & ~O_ASYNC));
      return 0;
    }
    case FIONREAD:
      if (!GuestWritable(static_cast<uintptr_t>(arg), sizeof(int))) return -EFAULT;
      if (f->host_fd() >= 0) return host::Syscall(SYS_ioctl, f->host_fd(), FIONREAD, arg);
      {
        auto n = f->Available();
        if (!n.ok()) return ToErr(n.error());
        return UserPtr<int>(arg).Write(*n).ok() ? 0 : -EFAULT;
      }
    default:
      if (net::IsInterfaceRequest(static_cast<unsigned long>(req)))
        if (auto* s = dynamic_cast<net::Socket*>(f.get())) {
          // The answer depends on the socket's family (AF_INET's addresses).
          std::vector<char> domain(sizeof(int));
          int family = AF_UNIX;
          if (s->GetOpt(SOL_SOCKET, SO_DOMAIN, &domain).ok() && domain.size() >= sizeof(int))
            std::memcpy(&family, domain.data(), sizeof(int));
          return net::InterfaceIoctl(static_cast<unsigned long>(req), arg, family);
        }
      if (f->host_fd() < 0) {
        // LibOS objects' own requests (TFD_IOC_SET_TICKS, SIOCINQ...).
        auto r = f->Ioctl(static_cast<unsigned long>(req), arg);
        return r.ok() ? *r : ToErr(r.error());
      }
      break;
  }
  // Terminal requests go to a real terminal (fs/terminal.cc).
  return fs::TerminalIoctl(f->host_fd(), static_cast<unsigned long>(req), arg);
}

JUNCTION_HANDLER(ftruncate) {
  FILE_ARG(f, 0);
  if (a.a[1] < 0) return -EINVAL;
  if (!Writable(f)) return -EINVAL;
  if (f->direct_io()) return host::Syscall(SYS_ftruncate, f->host_fd(), a.a[1]);
  return ToRaw(f->Truncate(static_cast<uint64_t>(a.a[1])));
}

JUNCTION_HANDLER(fallocate) {
  FILE_ARG(f, 0);
  if (a.a[2] < 0 || a.a[3] <= 0) return -EINVAL;
  if (!Writable(f)) return -EBADF;
  if (f->host_fd() < 0) return -EOPNOTSUPP;
  // A size-limited tmpfs's files need room first (HostFile::Fallocate).
  if (auto* hf = dynamic_cast<fs::HostFile*>(f.get()))
    return ToRaw(hf->Fallocate(static_cast<int>(a.a[1]), static_cast<uint64_t>(a.a[2]), static_cast<uint64_t>(a.a[3])));
  return host::Syscall(SYS_fallocate, f->host_fd(), a.a[1], a.a[2], a.a[3]);
}

JUNCTION_HANDLER(fsync) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  return f->host_fd() >= 0 ? host::Syscall(SYS_fsync, f->host_fd()) : 0;
}

JUNCTION_HANDLER(fdatasync) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  return f->host_fd() >= 0 ? host::Syscall(SYS_fdatasync, f->host_fd()) : 0;
}

JUNCTION_HANDLER(sync_file_range) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  if (a.a[3] & ~7L) return -EINVAL;
  return f->host_fd() >= 0 ? host::Syscall(SYS_sync_file_range, f->host_fd(), a.a[1], a.a[2], a.a[3]) : 0;
}

JUNCTION_HANDLER(flock) {
  FILE_ARG(f, 0);
  if (IsPath(f)) return -EBADF;
  if (f->host_fd() < 0) return 0;
  // Only a lock asked without LOCK_NB waits, and only it gives EINTR
  // (Linux's flock_lock_inode_wait); LOCK_UN and bad operations do not.
  int op = static_cast<int>(a.a[1]), kind = op & ~LOCK_NB;
  bool waits = !(op & LOCK_NB) && (kind == LOCK_SH || kind == LOCK_EX);
  return HostWaitCallAs(waits, SYS_flock, f->host_fd(), op, 0, 0, 0, 0);
}

JUNCTION_HANDLER(fadvise64) {
  FILE_ARG(f, 0);
  return f->host_fd() >= 0 ? host::Syscall(SYS_fadvise64, f->host_fd(), a.a[1], a.a[2], a.a[3]) : 0;
}

namespace {

// Copies through a LibOS buffer when the host cannot do it in one call.
long CopyLoop(const FilePtr& in, long* in_off, const FilePtr& out, long* out_off, size_t count) {
  std::vector<char> buf(std::min<size_t>(count, 1 << 16));
  long total = 0;
  while (static_cast<size_t>(total) < count) {
    size_t want = std::min(buf.size(), count - static_cast<size_t>(total));
    auto n = in_off ? in->Pread(buf.data(), want, static_cast<uint64_t>(*in_off)) : in->Read(buf.data(), want);
    if (!n.ok()) return total ? total : ToErr(n.error());
    if (*n == 0) break;
    auto w = out_off ? out->Pwrite(buf.data(), *n, static_cast<uint64_t>(*out_off)) : out->Write(buf.data(), *n);
    if (!w.ok()) return total ? total : ToErr(w.error());
    if (in_off) *in_off += static_cast<long>(*w);
    if (out_off) *out_off += static_cast<long>(*w);
    if (!in_off && *w < *n) (void)in->Seek(static_cast<int64_t>(*w) - static_cast<int64_t>(*n), SEEK_CUR);
    total += static_cast<long>(*w);
    if (*w < *n) break;
  }
  return total;
}

// Whether sendfile can read from f: Linux reads through the file's
// splice_read, which pipes and anonymous-inode files (eventfd, timerfd,
// signalfd, epoll, inotify: no file type) lack. An eventfd copied into
// itself would never end.
bool SpliceReadable(const FilePtr& f) {
  struct stat st{};
  if (!f->Stat(&st).ok()) return true;
  return (st.st_mode & S_IFMT) != 0 && !S_ISFIFO(st.st_mode);
}

}  // namespace

// Linux's order: the offset is read first (EFAULT), then the input
// (EBADF, ESPIPE), the output (EBADF), what can be read from (EINVAL).
JUNCTION_HANDLER(sendfile) {
  long off = 0;
  if (a.a[2] && !CopyFromUser(&off, static_cast<uintptr_t>(a.a[2]), sizeof(off)).ok()) return -EFAULT;
  FilePtr in = FdTable::Get().Lookup(a.a[1]);
  if (!in || !Readable(in)) return -EBADF;
  if (a.a[2] && Unpositioned(in)) return -ESPIPE;
  FilePtr out = FdTable::Get().Lookup(a.a[0]);
  if (!out || !Writable(out)) return -EBADF;
  if (!SpliceReadable(in)) return -EINVAL;
  if (in->direct_io() && out->direct_io())
    return HostInterruptibleWaitCall(SYS_sendfile, out->host_fd(), in->host_fd(), a.a[2], a.a[3]);  // may wait on a pipe
  long r = CopyLoop(in, a.a[2] ? &off : nullptr, out, nullptr, std::min(static_cast<size_t>(a.a[3]), kMaxRwCount));
  if (a.a[2] && !CopyToUser(static_cast<uintptr_t>(a.a[2]), &off, sizeof(off)).ok()) return -EFAULT;
  return r;
}

// Linux's order: the descriptors, the offsets, the flags, then both must be
// regular files (a directory EISDIR, anything else EINVAL), then their
// modes (EBADF, an O_APPEND output too).
JUNCTION_HANDLER(copy_file_range) {
  FilePtr in = FdTable::Get().Lookup(a.a[0]);
  FilePtr out = FdTable::Get().Lookup(a.a[2]);
  if (!out || !in) return -EBADF;
  for (long p : {a.a[1], a.a[3]})
    if (p && !GuestWritable(static_cast<uintptr_t>(p), sizeof(long))) return -EFAULT;
  if (a.a[5]) return -EINVAL;
  struct stat sin{}, sout{};
  if (!in->Stat(&sin).ok() || !out->Stat(&sout).ok()) return -EINVAL;
  if (S_ISDIR(sin.st_mode) || S_ISDIR(sout.st_mode)) return -EISDIR;
  if (!S_ISREG(sin.st_mode) || !S_ISREG(sout.st_mode)) return -EINVAL;
  if (!Readable(in) || !Writable(out) || (out->flags() & O_APPEND)) return -EBADF;
  if (in->direct_io() && out->direct_io())
    return HostWaitCall(SYS_copy_file_range, in->host_fd(), a.a[1], out->host_fd(), a.a[3], a.a[4], 0);
  long in_off = 0, out_off = 0;
  if (a.a[1] && !SafeCopy(&in_off, reinterpret_cast<void*>(a.a[1]), sizeof(long))) return -EFAULT;
  if (a.a[3] && !SafeCopy(&out_off, reinterpret_cast<void*>(a.a[3]), sizeof(long))) return -EFAULT;
  long r = CopyLoop(in, a.a[1] ? &in_off : nullptr, out, a.a[3] ? &out_off : nullptr,
                    std::min(static_cast<size_t>(a.a[4]), kMaxRwCount));
  if (a.a[1] && !CopyToUser(static_cast<uintptr_t>(a.a[1]), &in_off, sizeof(long)).ok()) return -EFAULT;
  if (a.a[3] && !CopyToUser(static_cast<uintptr_t>(a.a[3]), &out_off, sizeof(long)).ok()) return -EFAULT;
  return r;
}

JUNCTION_HANDLER(memfd_create) {
  unsigned flags = static_cast<unsigned>(a.a[1]);
  constexpr unsigned kKnown = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | 0x8u /*NOEXEC_SEAL*/ |
                              0x10u /*EXEC*/ | (0x3fu << 26) /*huge page size*/;
  if (flags & ~kKnown) return -EINVAL;  // before the name, as Linux
  auto name = CopyStringFromUser(a.a[0], 250);
  if (!name.ok()) return name.error() == ENAMETOOLONG ? -EINVAL : -name.error();
  long h = host::Syscall(SYS_memfd_create, host::L(name->c_str()), flags | MFD_CLOEXEC);
  if (h < 0) return h;
  auto f = std::make_shared<fs::HostFile>(O_RDWR, "/memfd:" + *name + " (deleted)", static_cast<int>(h));
  return Raw(FdTable::Get().Insert(f, flags & MFD_CLOEXEC));
}

}  // namespace junction::libos
