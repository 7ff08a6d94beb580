// Sockets: the operations sys_socket.cc calls. Unix-domain sockets are
// LibOS objects (unix_socket.cc); AF_INET/AF_INET6 in `[net] mode = "host"`
// are host sockets driven through the reactor (host_socket.cc).
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "libos/entry/safe_copy.h"
#include "libos/fs/file.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos::net {

// A message as sendmsg/recvmsg see it, in LibOS memory (the handlers copy
// guest iovecs and control data in and out).
struct Msg {
  std::vector<char> data;
  // A send to a socket that copies in place (Socket::sends_in_place): the
  // caller's iovecs instead of `data` (empty), and how many of their bytes
  // lie in guest memory (the rest faults). The socket copies them in
  // bounded units, never the whole send into one LibOS buffer.
  std::vector<iovec> iov;
  size_t iov_valid = 0;
  std::string addr;                 // sockaddr bytes (name), may be empty
  std::vector<fs::FilePtr> rights;  // SCM_RIGHTS
  bool creds = false;               // SCM_CREDENTIALS requested/attached
  struct ucred cred{};
  int flags = 0;                    // recvmsg: MSG_TRUNC, MSG_CTRUNC...
  // recvmsg: how many bytes the caller's buffer takes before it faults
  // (a socket that honours_room() receives as Linux does into that).
  size_t room = ~size_t{0};
  // recvmsg: the caller's control buffer size; a host socket of another
  // family than AF_UNIX asks the host with that room and hands back the
  // control messages the host wrote (IP_TTL, IPV6_HOPLIMIT, timestamps...)
  // in raw_control, verbatim, with the host's MSG_CTRUNC. sendmsg: the
  // caller's control messages when they hold no SCM_RIGHTS or
  // SCM_CREDENTIALS, which such a socket gives the host as they are.
  size_t control_room = 0;
  std::vector<char> raw_control;

  // The bytes a send carries (in `data` or `iov`).
  size_t length() const {
    if (iov.empty()) return data.size();
    size_t n = 0;
    for (const iovec& v : iov) n += v.iov_len;
    return n;
  }
  // The send without its first n bytes.
  Msg Without(size_t n) const;
  // A send in place, gathered into `data` up to where guest memory ends or
  // faults (EFAULT if at once): for a path that needs its bytes in LibOS
  // memory (a fork moved the socket to the host meanwhile).
  SysResult<Msg> Gathered() const;
};

class Socket : public fs::File {
 public:
  using File::File;
  virtual SysResult<void> Bind(const std::string& addr) = 0;
  virtual SysResult<void> Listen(int backlog) = 0;
  virtual SysResult<fs::FilePtr> Accept(int flags, std::string* peer) = 0;
  virtual SysResult<void> Connect(const std::string& addr) = 0;
  // Returns bytes sent.
  virtual SysResult<size_t> SendMsg(const Msg& m, int flags) = 0;
  // Receives up to `len` bytes into m.
  virtual SysResult<size_t> RecvMsg(Msg* m, size_t len, int flags) = 0;
  virtual SysResult<void> Shutdown(int how) = 0;
  virtual SysResult<std::string> Name(bool peer) = 0;
  virtual SysResult<void> GetOpt(int level, int name, std::vector<char>* val) = 0;
  virtual SysResult<void> SetOpt(int level, int name, const std::vector<char>& val) = 0;
  // Whether RecvMsg takes Msg::room into account (a LibOS socket: Linux's
  // rule for a buffer that faults part-way); if not, such a buffer gets
  // EFAULT before the call, with the data left queued.
  virtual bool honours_room() const { return false; }
  // The most one receive takes into the LibOS's buffer, so that a huge guest
  // buffer (valid memory, mapped MAP_NORESERVE) costs no LibOS allocation
  // and no probe of its pages past what can arrive: more than any queued
  // datagram (Linux's default SO_SNDBUF limit is about 208 KiB) or than a
  // stream returns at once (a shorter stream read is as Linux allows).
  // MSG_WAITALL waits for the whole length: up to MAX_RW_COUNT.
  // The longest message one send can carry: a longer one is EMSGSIZE before
  // the LibOS copies it (a datagram; a stream takes any length).
  virtual size_t MaxMessage() const { return kMaxRwCount; }
  static constexpr size_t kRecvChunk = size_t{4} << 20;
  // Whether SendMsg takes its bytes from Msg::iov (the caller's memory)
  // rather than a copy in Msg::data: a unix stream socket, which copies a
  // send in Linux's units as it queues them (a 1 GiB send costs no 1 GiB
  // LibOS buffer; a fault part-way sends the units before it).
  virtual bool sends_in_place() const { return false; }
  // A send of `iov` (cnt iovecs, of which the first `valid` bytes lie in
  // guest memory) with `flags`: in place where the socket copies so,
  // else copied into LibOS memory first (EFAULT if any byte faults).
  SysResult<size_t> SendIovecs(const iovec* iov, size_t cnt, size_t valid, int flags, Msg m = {});
  static size_t MaxRecv(int flags) { return (flags & MSG_WAITALL) ? kMaxRwCount : kRecvChunk; }

  // read(2) and write(2): recvmsg and sendmsg without flags, address or
  // control data. What RecvMsg returns counts (m.data may be longer: a unix
  // socket's buffer that moved to the child while it waited gives 0 bytes).
  // buf: guest memory the read handler checked, or the LibOS's (splice).
  SysResult<size_t> Read(void* buf, size_t len) override {
    len = std::min(len, MaxRecv(0));
    return ReadPartial(buf, len, WritablePrefix(buf, len));
  }
  SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room) override {
    Msg m;
    m.room = room;
    if (m.room < len && !honours_room()) return Errno{EFAULT};  // the data left queued
    // No LibOS buffer sized by a huge or negative length: at most what the
    // caller's memory takes plus one byte (a datagram that does not fit),
    // and MAX_RW_COUNT as Linux.
    len = std::min({len, room < len ? room + 1 : len, MaxRecv(0)});
    auto r = RecvMsg(&m, len, 0);
    if (!r.ok()) return r;
    size_t n = std::min(*r, m.data.size());
    // A fault in the guest's buffer, or (a host socket that took the call
    // over) more than fits before it.
    if (n > room || !SafeCopy(buf, m.data.data(), n)) return Errno{EFAULT};
    return n;
  }
  // buf: guest memory the write handler checked, or the LibOS's (splice).
  SysResult<size_t> Write(const void* buf, size_t len) override {
    iovec v{const_cast<void*>(buf), std::min(len, kMaxRwCount)};  // as Linux's vfs_write
    return SendIovecs(&v, 1, v.iov_len, 0);
  }
};

// socket(AF_UNIX, ...) and socketpair.
SysResult<fs::FilePtr> MakeUnixSocket(int type, int flags);
SysResult<std::pair<fs::FilePtr, fs::FilePtr>> MakeUnixPair(int type, int flags);
// socket(AF_INET/AF_INET6/AF_NETLINK, ...) on the host.
SysResult<fs::FilePtr> MakeHostSocket(int domain, int type, int protocol);
// A socket the LibOS already holds as host descriptor `host_fd` (made
// non-blocking on the host; `guest_flags` O_NONBLOCK is the guest's mode).
fs::FilePtr WrapHostSocket(int host_fd, int guest_flags);
// The same for one another process may still hold (received in SCM_RIGHTS,
// taken with pidfd_getfd): a lingering close never shuts it down here.
fs::FilePtr WrapReceivedHostSocket(int host_fd, int guest_flags);

// The same for a unix socket: getsockname/getpeername answer the guest's
// names `local`/`peer` (if not empty) instead of the host's.
fs::FilePtr WrapHostUnixSocket(int host_fd, int guest_flags, std::string local, std::string peer);

// Before a fork: unix sockets in the descriptor table that another process
// may share become host sockets, since their buffers live in one process's
// memory. Connected ones become host socket pairs (queued messages moved
// along); listening ones and bound unconnected datagram ones become host
// sockets bound to a container-wide abstract host name derived from their
// address (pending connections and queued datagrams moved along), which
// connect and sendto in any of the container's processes fall back to when
// the address is not a LibOS socket of their own. Unbound unconnected
// sockets stay LibOS objects, private to each process.
void HostUnixSocketsForFork(fs::Replacements& replaced);

// After listen() or a datagram bind() on LibOS unix socket `f`: if other
// processes of the container are running, they must reach it by address
// too, so it becomes the shared host socket at once (as at a fork); the
// replacement, or null if `f` stays a LibOS socket. So while a container
// has several processes, every listening or bound datagram unix socket in
// it is a host socket, and host sockets reach each other by address.
fs::FilePtr ShareUnixSocketIfNeeded(const fs::FilePtr& f);

// Unix socket `f` becomes host socket `host`: in every descriptor number
// that holds it and in the table's epoll sets that watch it (nginx adds
// its upstream socket to its set before it connects).
void ReplaceByHostSocket(fs::File* f, const fs::FilePtr& host);

// The host address of the shared socket a guest unix address names (see
// HostUnixSocketsForFork), for host unix sockets that connect or send.
SysResult<std::string> SharedHostAddr(const std::string& guest_addr);

// connect() on LibOS unix socket `f` to `addr` that no LibOS socket of this
// process answers: a host socket connected to the shared socket bound at
// `addr` (see above), which replaces `f`; ECONNREFUSED if there is none.
SysResult<fs::FilePtr> ConnectUnixThroughHost(const fs::FilePtr& f, const std::string& addr);

}  // namespace junction::libos::net
