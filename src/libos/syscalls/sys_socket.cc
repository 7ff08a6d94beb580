// Socket calls: decode guest sockaddrs, iovecs and control messages, then
// call net::Socket (unix sockets in the LibOS, AF_INET/AF_INET6 on the
// host in `[net] mode = "host"`).
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <cstring>

#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/net/bypass.h"
#include "libos/net/socket.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"
#include "sched/kthread.h"

namespace junction::libos {

namespace {

net::Socket* AsSocket(const fs::FilePtr& f) { return dynamic_cast<net::Socket*>(f.get()); }

#define SOCKET_ARG(var, file, idx)                         \
  fs::FilePtr file = fs::FdTable::Get().Lookup(a.a[idx]); \
  if (!file) return -EBADF;                                \
  net::Socket* var = AsSocket(file);                       \
  if (!var) return -ENOTSOCK

SysResult<std::string> ReadAddr(long addr, long len) {
  if (len < 0 || len > 128) return Errno{EINVAL};
  if (!GuestReadable(static_cast<uintptr_t>(addr), static_cast<size_t>(len))) return Errno{EFAULT};
  std::string out(static_cast<size_t>(len), '\0');
  TRY_VOID(CopyFromUser(out.data(), static_cast<uintptr_t>(addr), out.size()));
  return out;
}

// Writes a sockaddr back (addr, *addrlen in/out), truncating as Linux.
long WriteAddr(const std::string& s, long addr, long lenp) {
  if (!addr) return 0;
  auto len = UserPtr<socklen_t>(lenp).Read();
  if (!len.ok()) return -EFAULT;
  if (static_cast<int>(*len) < 0) return -EINVAL;
  size_t n = std::min<size_t>(*len, s.size());
  if (!CopyToUser(static_cast<uintptr_t>(addr), s.data(), n)) return -EFAULT;
  return UserPtr<socklen_t>(lenp).Write(static_cast<socklen_t>(s.size())).ok() ? 0 : -EFAULT;
}

bool UnixDomain(int d) { return d == AF_UNIX; }

// unix_create's check: protocol 0 or PF_UNIX, once the type is in Linux's
// range (SOCK_MAX, 11; a bad type is the socket's EINVAL).
long UnixProtocolError(int type, long protocol) {
  constexpr int kSockMax = 11;
  if ((type & 0xf) >= kSockMax) return 0;
  int p = static_cast<int>(protocol);
  return p != 0 && p != PF_UNIX ? -EPROTONOSUPPORT : 0;
}

int AddrFamily(const std::string& addr) {
  sa_family_t fam = AF_UNSPEC;
  if (addr.size() >= sizeof(fam)) std::memcpy(&fam, addr.data(), sizeof(fam));
  return fam;
}

}  // namespace

JUNCTION_HANDLER(socket) {
  int domain = static_cast<int>(a.a[0]), type = static_cast<int>(a.a[1]);
  if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  SysResult<fs::FilePtr> f = Errno{EAFNOSUPPORT};
  if (UnixDomain(domain)) {
    if (long e = UnixProtocolError(type, a.a[2])) return e;
    f = net::MakeUnixSocket(type & 0xf, (type & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
  } else if ((domain == AF_INET || domain == AF_INET6) && net::BypassMode()) {
    // The container's own stack (IPv4; AF_INET6 as dual-stack over it).
    f = net::MakeBypassSocket(domain, type, static_cast<int>(a.a[2]));
  } else if (domain == AF_NETLINK && a.a[2] == 0 /* NETLINK_ROUTE */ && net::BypassMode()) {
    f = net::MakeBypassNetlink(type, 0);
  } else if (domain == AF_INET || domain == AF_INET6 || domain == AF_NETLINK) {
    f = net::MakeHostSocket(domain, type, static_cast<int>(a.a[2]));
  }
  if (!f.ok()) return -f.error();
  return InstallFile(*f, type & SOCK_CLOEXEC);
}

JUNCTION_HANDLER(socketpair) {
  int domain = static_cast<int>(a.a[0]), type = static_cast<int>(a.a[1]);
  if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  // Linux stores the descriptors' numbers before it makes the sockets.
  if (!GuestWritable(static_cast<uintptr_t>(a.a[3]), 2 * sizeof(int))) return -EFAULT;
  if (!UnixDomain(domain)) {
    // The host's refusal for another family (EAFNOSUPPORT for an unknown
    // one, EOPNOTSUPP for AF_INET, EINVAL for a bad type); none is made here.
    int host_pair[2];
    long r = host::Syscall(SYS_socketpair, domain, type, a.a[2], host::L(host_pair));
    if (r < 0) return r;
    host::Syscall(SYS_close, host_pair[0]);
    host::Syscall(SYS_close, host_pair[1]);
    return -EOPNOTSUPP;
  }
  if (long e = UnixProtocolError(type, a.a[2])) return e;
  auto p = net::MakeUnixPair(type & 0xf, (type & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
  if (!p.ok()) return -p.error();
  int out[2];
  long r = InstallPair(p->first, p->second, type & SOCK_CLOEXEC, out);
  if (r) return r;
  if (!CopyToUser(static_cast<uintptr_t>(a.a[3]), out, sizeof(out)).ok()) {  // never LibOS memory in a hole
    // As Linux: the descriptors go again when they cannot be stored.
    (void)fs::FdTable::Get().Close(out[0]);
    (void)fs::FdTable::Get().Close(out[1]);
    return -EFAULT;
  }
  return 0;
}

namespace {
// A unix socket other container processes may reach by address becomes a
// host socket now (net::ShareUnixSocketIfNeeded).
void ShareIfNeeded(const fs::FilePtr& f) {
  if (fs::FilePtr host = net::ShareUnixSocketIfNeeded(f)) net::ReplaceByHostSocket(f.get(), host);
}
}  // namespace

JUNCTION_HANDLER(bind) {
  SOCKET_ARG(s, f, 0);
  auto addr = ReadAddr(a.a[1], a.a[2]);
  if (!addr.ok()) return -addr.error();
  auto r = s->Bind(*addr);
  if (r.ok()) ShareIfNeeded(f);  // a bound datagram socket
  return ToRaw(r);
}

JUNCTION_HANDLER(listen) {
  SOCKET_ARG(s, f, 0);
  auto r = s->Listen(static_cast<int>(a.a[1]));
  if (r.ok()) ShareIfNeeded(f);
  return ToRaw(r);
}

namespace {
long AcceptCommon(const SyscallArgs& a, long flags) {
  if (flags & ~static_cast<long>(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  SOCKET_ARG(s, f, 0);
  if (a.a[1] && !GuestReadable(static_cast<uintptr_t>(a.a[2]), sizeof(socklen_t))) return -EFAULT;
  // At RLIMIT_NOFILE the connection stays queued (Linux reserves the number first).
  if (!fs::FdTable::Get().CheckRoom().ok()) return -EMFILE;
  std::string peer;
  auto c = s->Accept((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0, &peer);
  if (!c.ok()) return -c.error();
  long w = WriteAddr(peer, a.a[1], a.a[2]);
  if (w) return w;
  return InstallFile(*c, flags & SOCK_CLOEXEC);
}
}  // namespace

JUNCTION_HANDLER(accept) { return AcceptCommon(a, 0); }
JUNCTION_HANDLER(accept4) { return AcceptCommon(a, a.a[3]); }

JUNCTION_HANDLER(connect) {
  SOCKET_ARG(s, f, 0);
  auto addr = ReadAddr(a.a[1], a.a[2]);
  if (!addr.ok()) return -addr.error();
  auto r = s->Connect(*addr);
  if (r.ok() || r.error() != ECONNREFUSED || !UnixDomain(AddrFamily(*addr))) return ToRaw(r);
  // A unix socket another process shares (one made a host socket at a
  // fork): the connection is a host socket, in place of this one.
  auto host = net::ConnectUnixThroughHost(f, *addr);
  if (!host.ok()) return host.error() == ECONNREFUSED ? ToRaw(r) : -host.error();
  net::ReplaceByHostSocket(f.get(), *host);
  return 0;
}

JUNCTION_HANDLER(shutdown) {
  SOCKET_ARG(s, f, 0);
  if (a.a[1] < SHUT_RD || a.a[1] > SHUT_RDWR) return -EINVAL;
  return ToRaw(s->Shutdown(static_cast<int>(a.a[1])));
}

JUNCTION_HANDLER(getsockname) {
  SOCKET_ARG(s, f, 0);
  auto n = s->Name(false);
  if (!n.ok()) return -n.error();
  return WriteAddr(*n, a.a[1], a.a[2]);
}

JUNCTION_HANDLER(getpeername) {
  SOCKET_ARG(s, f, 0);
  auto n = s->Name(true);
  if (!n.ok()) return -n.error();
  return WriteAddr(*n, a.a[1], a.a[2]);
}

JUNCTION_HANDLER(getsockopt) {
  SOCKET_ARG(s, f, 0);
  auto len = UserPtr<socklen_t>(a.a[4]).Read();
  if (!len.ok()) return -EFAULT;
  if (static_cast<int>(*len) < 0) return -EINVAL;
  std::vector<char> val(std::min<size_t>(*len, 4096));
  CHECK(s->GetOpt(static_cast<int>(a.a[1]), static_cast<int>(a.a[2]), &val));
  size_t n = std::min<size_t>(val.size(), *len);
  if (!CopyToUser(static_cast<uintptr_t>(a.a[3]), val.data(), n).ok()) return -EFAULT;
  return UserPtr<socklen_t>(a.a[4]).Write(static_cast<socklen_t>(n)).ok() ? 0 : -EFAULT;
}

JUNCTION_HANDLER(setsockopt) {
  SOCKET_ARG(s, f, 0);
  if (a.a[4] < 0 || a.a[4] > 4096) return -EINVAL;
  if (!GuestReadable(static_cast<uintptr_t>(a.a[3]), static_cast<size_t>(a.a[4]))) return -EFAULT;
  std::vector<char> val(static_cast<size_t>(a.a[4]));
  if (!SafeCopy(val.data(), reinterpret_cast<const void*>(a.a[3]), val.size())) return -EFAULT;
  return ToRaw(s->SetOpt(static_cast<int>(a.a[1]), static_cast<int>(a.a[2]), val));
}

namespace {

// The bytes of the iovecs (in order) that lie in guest memory, up to the
// first iovec that leaves it.
size_t GuestReadableBytes(const std::vector<iovec>& iov) {
  size_t valid = 0;
  for (const iovec& v : iov) {
    size_t ok = GuestReadablePrefix(v.iov_base, v.iov_len);
    valid += ok;
    if (ok < v.iov_len) break;
  }
  return valid;
}

// The guest's iovec array, copied (fault-tolerant) into LibOS memory and
// checked as Linux's import_iovec: a negative length is EINVAL, and the
// lengths are cut so that their total is at most MAX_RW_COUNT.
SysResult<std::vector<iovec>> CopyIovecs(const msghdr& h) {
  std::vector<iovec> iov(h.msg_iovlen);
  TRY_VOID(CopyFromUser(iov.data(), reinterpret_cast<uintptr_t>(h.msg_iov), sizeof(iovec) * iov.size()));
  size_t total = 0;
  for (iovec& v : iov) {
    if (static_cast<ssize_t>(v.iov_len) < 0) return Errno{EINVAL};
    v.iov_len = std::min(v.iov_len, kMaxRwCount - total);
    total += v.iov_len;
  }
  return iov;
}

// Control data up to this size (Linux's sock_kmalloc limit, optmem_max, is
// 20 KiB by default; beyond it ENOBUFS).
constexpr size_t kMaxControl = 64 * 1024;

long SendCommon(net::Socket* s, const msghdr& guest_h, int flags) {
  if (guest_h.msg_iovlen > 1024) return -EMSGSIZE;
  // The LibOS works on copies of the guest's arrays (another guest thread
  // may change them; a page of them may fault).
  msghdr h = guest_h;
  auto iov = CopyIovecs(h);
  if (!iov.ok()) return -iov.error();
  size_t total = 0;
  for (const iovec& v : *iov) total += v.iov_len;
  if (total > s->MaxMessage()) return -EMSGSIZE;
  net::Msg m;
  if (h.msg_name && h.msg_namelen) {
    auto addr = ReadAddr(reinterpret_cast<long>(h.msg_name), h.msg_namelen);
    if (!addr.ok()) return -addr.error();
    m.addr = std::move(*addr);
  }
  std::vector<char> control;
  if (h.msg_control && h.msg_controllen) {
    if (h.msg_controllen > kMaxControl) return -ENOBUFS;
    control.resize(h.msg_controllen);
    if (!CopyFromUser(control.data(), reinterpret_cast<uintptr_t>(h.msg_control), control.size())) return -EFAULT;
    h.msg_control = control.data();
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      // As Linux's CMSG_OK: a header that claims more than the buffer holds.
      size_t at = static_cast<size_t>(reinterpret_cast<char*>(c) - control.data());
      if (c->cmsg_len < sizeof(cmsghdr) || c->cmsg_len > control.size() - at) return -EINVAL;
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_RIGHTS) {
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        auto* fds = reinterpret_cast<int*>(CMSG_DATA(c));
        for (size_t i = 0; i < n; i++) {
          fs::FilePtr f = fs::FdTable::Get().Lookup(fds[i]);
          if (!f) return -EBADF;
          m.rights.push_back(std::move(f));
        }
      } else if (c->cmsg_type == SCM_CREDENTIALS) {
        m.creds = true;
      }
    }
    if (m.rights.empty() && !m.creds) m.raw_control = std::move(control);
  }
  // As Linux: the name and control data are read before the bytes.
  auto r = s->SendIovecs(iov->data(), iov->size(), GuestReadableBytes(*iov), flags, std::move(m));
  return r.ok() ? static_cast<long>(*r) : -r.error();
}

long RecvCommon(net::Socket* s, msghdr* h, int flags) {
  if (h->msg_iovlen > 1024) return -EMSGSIZE;
  auto iov = CopyIovecs(*h);
  if (!iov.ok()) return -iov.error();
  // Only the iovecs' first MaxRecv bytes are looked at (and probed).
  size_t total = 0, room = 0;
  bool faulted = false;
  for (const iovec& v : *iov) {
    size_t take = std::min(v.iov_len, net::Socket::MaxRecv(flags) - total);
    total += take;
    if (faulted) continue;
    size_t ok = GuestWritablePrefix(v.iov_base, take);
    room += ok;
    faulted = ok < take;
  }
  // A buffer that faults part-way: as Linux where the socket can say
  // (honours_room), else EFAULT with the data left queued.
  if (room < total && !s->honours_room()) return -EFAULT;
  net::Msg m;
  m.room = room;
  m.control_room = h->msg_control ? h->msg_controllen : 0;
  // Sized by what the buffer can take, as recvfrom.
  auto r = s->RecvMsg(&m, std::min(total, room + 1), flags);
  if (!r.ok()) return -r.error();
  // Never past guest memory (a host socket that took the call over
  // received more than fits before the fault).
  if (m.data.size() > room) return -EFAULT;
  size_t off = 0;
  for (size_t i = 0; i < iov->size() && off < m.data.size(); i++) {
    size_t n = std::min((*iov)[i].iov_len, m.data.size() - off);
    // Linux stops at a fault and returns what it copied, or EFAULT.
    if (!SafeCopy((*iov)[i].iov_base, m.data.data() + off, n)) {
      if (!off) return -EFAULT;
      m.data.resize(off);
      *r = off;
      break;
    }
    off += n;
  }
  if (h->msg_name) {
    size_t n = std::min<size_t>(h->msg_namelen, m.addr.size());
    if (!CopyToUser(reinterpret_cast<uintptr_t>(h->msg_name), m.addr.data(), n)) return -EFAULT;
    h->msg_namelen = static_cast<socklen_t>(m.addr.size());
  }
  // Linux starts msg_flags from the call's MSG_CMSG_CLOEXEC (the host
  // socket's own call always asks for it, so its copy says nothing).
  h->msg_flags = (m.flags & ~MSG_CMSG_CLOEXEC) | (flags & MSG_CMSG_CLOEXEC);
  // Control messages as Linux's scm_recv puts them: SCM_CREDENTIALS (cut
  // short if the buffer is), then SCM_RIGHTS as new descriptors, as many
  // as the buffer holds and RLIMIT_NOFILE allows (MSG_CTRUNC if not all;
  // the others are dropped).
  size_t used = 0;
  if (!m.raw_control.empty()) {
    // Written by the host for this buffer size (MSG_CTRUNC in m.flags).
    used = std::min(m.raw_control.size(), static_cast<size_t>(h->msg_controllen));
    if (!SafeCopy(h->msg_control, m.raw_control.data(), used)) return -EFAULT;
  } else if (!h->msg_control) {
    if (m.creds || !m.rights.empty()) h->msg_flags |= MSG_CTRUNC;
  } else if (m.creds || !m.rights.empty()) {
    if (!GuestWritable(reinterpret_cast<uintptr_t>(h->msg_control), h->msg_controllen)) return -EFAULT;
    // Built in LibOS memory (room for what there is to say), then copied out.
    std::vector<char> control(CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(m.rights.size() * sizeof(int)));
    auto* c = control.data();
    if (m.creds) {
      if (h->msg_controllen < sizeof(cmsghdr)) {
        h->msg_flags |= MSG_CTRUNC;
      } else {
        size_t len = CMSG_LEN(sizeof(ucred));
        if (len > h->msg_controllen) {
          h->msg_flags |= MSG_CTRUNC;
          len = h->msg_controllen;
        }
        cmsghdr hdr{len, SOL_SOCKET, SCM_CREDENTIALS};
        std::memcpy(c, &hdr, sizeof(hdr));
        std::memcpy(c + sizeof(hdr), &m.cred, len - sizeof(hdr));
        used = std::min<size_t>(CMSG_SPACE(sizeof(ucred)), h->msg_controllen);
      }
    }
    if (!m.rights.empty()) {
      size_t room = h->msg_controllen - used;
      size_t most = room <= sizeof(cmsghdr) ? 0 : (room - sizeof(cmsghdr)) / sizeof(int);
      size_t n = 0;
      for (; n < std::min(most, m.rights.size()); n++) {
        long fd = InstallFile(m.rights[n], flags & MSG_CMSG_CLOEXEC);
        if (fd < 0) break;  // EMFILE
        int v = static_cast<int>(fd);
        std::memcpy(c + used + CMSG_LEN(0) + n * sizeof(int), &v, sizeof(v));
      }
      if (n > 0) {
        cmsghdr hdr{CMSG_LEN(n * sizeof(int)), SOL_SOCKET, SCM_RIGHTS};
        std::memcpy(c + used, &hdr, sizeof(hdr));
        used += std::min<size_t>(CMSG_SPACE(n * sizeof(int)), room);
      }
      if (n < m.rights.size()) h->msg_flags |= MSG_CTRUNC;
    }
    if (used && !SafeCopy(h->msg_control, control.data(), used)) return -EFAULT;
  }
  h->msg_controllen = used;
  if ((flags & MSG_TRUNC) && *r > total) return static_cast<long>(*r);
  return static_cast<long>(std::min(*r, total));
}

}  // namespace

// Linux cuts a send's or receive's length to MAX_RW_COUNT (INT_MAX rounded
// down to a page) before it looks at the buffer: a huge or negative length
// is no reason for a LibOS buffer that size.
size_t RwCount(long len) { return std::min(static_cast<size_t>(len), kMaxRwCount); }

JUNCTION_HANDLER(sendto) {
  SOCKET_ARG(s, f, 0);
  net::Msg m;
  size_t len = RwCount(a.a[2]);
  if (len > s->MaxMessage()) return -EMSGSIZE;
  iovec v{reinterpret_cast<void*>(a.a[1]), len};
  size_t valid = GuestReadablePrefix(v.iov_base, len);
  if (a.a[4] && a.a[5]) {
    auto addr = ReadAddr(a.a[4], a.a[5]);
    if (!addr.ok()) return -addr.error();
    m.addr = std::move(*addr);
  }
  auto r = s->SendIovecs(&v, 1, valid, static_cast<int>(a.a[3]), std::move(m));
  return r.ok() ? static_cast<long>(*r) : -r.error();
}

JUNCTION_HANDLER(recvfrom) {
  SOCKET_ARG(s, f, 0);
  net::Msg m;
  size_t len = std::min(RwCount(a.a[2]), net::Socket::MaxRecv(static_cast<int>(a.a[3])));
  m.room = GuestWritablePrefix(reinterpret_cast<void*>(a.a[1]), len);
  if (m.room < len && !s->honours_room()) return -EFAULT;  // the data left queued
  // Sized by what the buffer can take (a stream's units past it stay queued).
  auto r = s->RecvMsg(&m, std::min(len, m.room + 1), static_cast<int>(a.a[3]));
  if (!r.ok()) return -r.error();
  if (m.data.size() > m.room || !CopyToUser(static_cast<uintptr_t>(a.a[1]), m.data.data(), m.data.size()).ok())
    return -EFAULT;
  if (a.a[4]) {
    long w = WriteAddr(m.addr, a.a[4], a.a[5]);
    if (w) return w;
  }
  // With MSG_TRUNC a datagram's real length, else the bytes copied.
  return static_cast<long>(*r);
}

JUNCTION_HANDLER(sendmsg) {
  SOCKET_ARG(s, f, 0);
  auto h = UserPtr<msghdr>(a.a[1]).Read();
  if (!h.ok()) return -EFAULT;
  return SendCommon(s, *h, static_cast<int>(a.a[2]));
}

JUNCTION_HANDLER(recvmsg) {
  SOCKET_ARG(s, f, 0);
  auto h = UserPtr<msghdr>(a.a[1]).Read();
  if (!h.ok()) return -EFAULT;
  long r = RecvCommon(s, &*h, static_cast<int>(a.a[2]));
  if (r >= 0 && !UserPtr<msghdr>(a.a[1]).Write(*h).ok()) return -EFAULT;
  return r;
}

namespace {

// Bytes a msghdr's iovecs ask for (SendCommon already checked them).
size_t IovTotal(const msghdr& h) {
  size_t total = 0;
  auto iov = CopyIovecs(h);
  if (iov.ok())
    for (const iovec& v : *iov) total += v.iov_len;
  return total;
}

uintptr_t EntryAt(long vec, unsigned i) { return static_cast<uintptr_t>(vec) + i * sizeof(mmsghdr); }

}  // namespace

// sendmmsg/recvmmsg: a loop of sendmsg/recvmsg over every socket kind, as
// Linux: at most UIO_MAXIOV entries, msg_len filled in, an error after the
// first message ends the batch and the count is returned.
JUNCTION_HANDLER(sendmmsg) {
  SOCKET_ARG(s, f, 0);
  unsigned vlen = static_cast<unsigned>(std::min<unsigned long>(static_cast<unsigned long>(a.a[2]) & 0xffffffffUL, UIO_MAXIOV));
  int flags = static_cast<int>(a.a[3]);
  long err = 0;
  unsigned sent = 0;
  while (sent < vlen) {
    uintptr_t e = EntryAt(a.a[1], sent);
    auto h = UserPtr<msghdr>(static_cast<long>(e)).Read();
    if (!h.ok()) { err = -EFAULT; break; }
    long r = SendCommon(s, *h, flags);
    if (r < 0) { err = r; break; }
    if (!UserPtr<unsigned>(static_cast<long>(e + offsetof(mmsghdr, msg_len))).Write(static_cast<unsigned>(r)).ok()) {
      err = -EFAULT;
      break;
    }
    sent++;
    if (static_cast<size_t>(r) < IovTotal(*h)) break;  // a partial stream send ends the batch
  }
  return sent ? static_cast<long>(sent) : err;
}

JUNCTION_HANDLER(recvmmsg) {
  SOCKET_ARG(s, f, 0);
  unsigned vlen = static_cast<unsigned>(std::min<unsigned long>(static_cast<unsigned long>(a.a[2]) & 0xffffffffUL, UIO_MAXIOV));
  int flags = static_cast<int>(a.a[3]);
  // The timeout is checked after each message (as Linux: a blocking
  // receive of the first one is not cut short by it).
  uint64_t deadline = 0;
  timespec left{};
  if (a.a[4]) {
    auto ts = UserPtr<timespec>(a.a[4]).Read();
    if (!ts.ok()) return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return -EINVAL;
    deadline = sched::NowNs() + static_cast<uint64_t>(ts->tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts->tv_nsec);
    left = *ts;
  }
  long err = 0;
  unsigned got = 0;
  while (got < vlen) {
    uintptr_t e = EntryAt(a.a[1], got);
    auto h = UserPtr<msghdr>(static_cast<long>(e)).Read();
    if (!h.ok()) { err = -EFAULT; break; }
    long r = RecvCommon(s, &*h, flags & ~MSG_WAITFORONE);
    if (r < 0) { err = r; break; }
    if (!UserPtr<msghdr>(static_cast<long>(e)).Write(*h).ok() ||
        !UserPtr<unsigned>(static_cast<long>(e + offsetof(mmsghdr, msg_len))).Write(static_cast<unsigned>(r)).ok()) {
      err = -EFAULT;
      break;
    }
    got++;
    if (flags & MSG_WAITFORONE) flags |= MSG_DONTWAIT;
    if (a.a[4]) {
      uint64_t now = sched::NowNs();
      uint64_t rest = now >= deadline ? 0 : deadline - now;
      left = {static_cast<time_t>(rest / 1000000000), static_cast<long>(rest % 1000000000)};
      if (!rest) break;
    }
    if (h->msg_flags & MSG_OOB) break;
  }
  if (!got) return err;
  if (a.a[4] && !UserPtr<timespec>(a.a[4]).Write(left).ok()) return -EFAULT;
  return got;
}

}  // namespace junction::libos
