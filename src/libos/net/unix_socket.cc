// Unix-domain sockets inside one process (Linux net/unix/af_unix.c):
// stream, dgram and seqpacket; path, abstract and unnamed (socketpair)
// addresses. Each direction is a PipeBuffer (packet mode for dgram and
// seqpacket). Names live in a LibOS registry: abstract names by their
// bytes, path names by the identity (device, inode) of the socket file
// that bind creates through the VFS, so paths resolve like any other
// (relative to the working directory, through symlinks) and an unlinked
// socket file no longer reaches its socket (docs/ipc.md).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>

#include "libos/fs/fd_table.h"
#include "libos/fs/shared_shm.h"
#include "libos/fs/synthetic.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/ipc/epoll.h"
#include "libos/ipc/ipc.h"
#include "libos/ipc/pipe.h"
#include "libos/ipc/stream_socket_units.h"
#include "libos/net/junction_own_sockets.h"
#include "libos/net/socket.h"
#include "libos/net/socket_options.h"
#include "libos/net/socket_timeout.h"
#include "libos/proc/process_table.h"
#include "libos/process.h"
#include "sched/reactor.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::net {

namespace {

class UnixSocket;

sched::SpinLock g_names_lock;
std::map<std::string, std::weak_ptr<UnixSocket>>* g_names;  // guarded by g_names_lock

std::string UnnamedAddr() {
  sa_family_t fam = AF_UNIX;
  return std::string(reinterpret_cast<const char*>(&fam), sizeof(fam));
}

// The name in a sockaddr_un: the path (up to its NUL) or, for the
// abstract namespace, every byte after the family (a leading NUL).
SysResult<std::string> NameOf(const std::string& addr) {
  if (addr.size() < sizeof(sa_family_t)) return Errno{EINVAL};
  sa_family_t fam;
  std::memcpy(&fam, addr.data(), sizeof(fam));
  if (fam != AF_UNIX) return Errno{EINVAL};
  std::string rest = addr.substr(sizeof(sa_family_t));
  if (rest.empty()) return Errno{EINVAL};
  if (rest[0] == '\0') return rest;  // abstract
  auto nul = rest.find('\0');
  if (nul != std::string::npos) rest.resize(nul);
  return rest;
}

bool IsAbstract(const std::string& name) { return name[0] == '\0'; }

// The registry key of the socket file at `path`.
SysResult<std::string> FileKey(const std::string& path, bool follow) {
  auto l = fs::Vfs::Get().Resolve(AT_FDCWD, path, follow ? fs::kFollow : 0);
  if (!l.ok()) return Errno{l.error()};
  if (!l->exists) return Errno{ENOENT};
  if (!S_ISSOCK(l->st.st_mode)) return Errno{ECONNREFUSED};
  return "file:" + std::to_string(l->st.st_dev) + ":" + std::to_string(l->st.st_ino);
}

// The key connect/sendto look up: ENOENT for a missing path,
// ECONNREFUSED for a file that is not a socket.
SysResult<std::string> KeyOf(const std::string& addr) {
  std::string name = TRY(NameOf(addr));
  if (IsAbstract(name)) return name;
  return FileKey(name, true);
}

std::string Family() {
  sa_family_t fam = AF_UNIX;
  return std::string(reinterpret_cast<const char*>(&fam), sizeof(fam));
}

// The start of the host addresses below (after the family): the
// container's socket directory, or its abstract-name prefix.
std::string HostAddrPrefix() {
  const char* dir = fs::SharedSocketDir();
  if (*dir) return std::string(dir) + "/u-";
  proc::Table* t = proc::Get();
  int owner = t ? t->init_host_pid : CurrentProcess().host_pid;
  return std::string(1, '\0') + "junction-" + std::to_string(owner) + "-";
}

// True for such a host address: the sender address a shared socket's
// datagram carries, which the receiver may answer to.
bool IsHostAddr(const std::string& addr) {
  std::string prefix = HostAddrPrefix();
  return addr.size() > sizeof(sa_family_t) && addr.compare(sizeof(sa_family_t), prefix.size(), prefix) == 0;
}

// The host address a socket with registry key `key` is bound to once
// several processes share it: a socket file in the container's private
// host directory (fs::SharedSocketDir, mode 0700, so no other host user
// reaches it), or a host abstract name if there is none; unique to the
// container and the key, so any of its processes finds it.
std::string HostAddr(const std::string& key) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: keys can be 108 bytes
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  static const char kHex[] = "0123456789abcdef";
  std::string name = HostAddrPrefix();
  for (int i = 60; i >= 0; i -= 4) name += kHex[(h >> i) & 0xf];
  if (name[0] != '\0') name += '\0';
  return Family() + name;
}

// The host address for a guest address a shared socket may be at.
SysResult<std::string> HostAddrOfGuest(const std::string& addr) {
  if (IsHostAddr(addr)) return addr;
  std::string key = TRY(KeyOf(addr));
  return HostAddr(key);
}

// The host's net.core.wmem_default and wmem_max: a stream socket's send
// buffer, and the most SO_SNDBUF may ask for (Linux then doubles it).
struct Wmem {
  size_t default_size, max;
};
const Wmem& HostWmem() {
  static const Wmem w = [] {
    auto read = [](const char* path) {
      long v = std::atol(fs::ReadHostFile(path).c_str());
      return v > 0 ? static_cast<size_t>(v) : size_t{212992};  // Linux's default for both
    };
    return Wmem{read("/proc/sys/net/core/wmem_default"), read("/proc/sys/net/core/wmem_max")};
  }();
  return w;
}

long HostSocketCall(int type) { return host::Syscall(SYS_socket, AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); }

// Connects host socket `fd` to `addr`, waiting while the listener's backlog
// is full unless `nonblocking`.
long HostConnect(int fd, const std::string& addr, bool nonblocking) {
  for (;;) {
    long r = host::Syscall(SYS_connect, fd, host::L(addr.data()), addr.size());
    if (r != -EAGAIN || nonblocking) return r;
    if (sched::WaitHostFd(fd, EPOLLOUT, 0) == -EINTR) return -EINTR;
  }
}

class UnixSocket : public Socket, public std::enable_shared_from_this<UnixSocket> {
 public:
  UnixSocket(int type, int flags) : Socket(O_RDWR | (flags & O_NONBLOCK), ""), type_(type), ino_(ipc::NextAnonIno()) {
    set_path("socket:[" + std::to_string(ino_) + "]");
    if (type_ == SOCK_DGRAM) SetRx(std::make_shared<ipc::PipeBuffer>());
  }
  ~UnixSocket() override {
    if (rx_ && !rx_detached_) rx_->Detach(this, false);
    if (tx_) tx_->Detach(this, true);
    if (!key_.empty()) {
      sched::SpinGuard g(g_names_lock);
      auto it = g_names->find(key_);
      if (it != g_names->end() && it->second.expired()) g_names->erase(it);
    }
  }

  void SetRx(std::shared_ptr<ipc::PipeBuffer> b) {
    rx_ = std::move(b);
    rx_->Attach(this, false);
    if (type_ == SOCK_DGRAM) rx_->Attach(nullptr, true);  // always writable by someone
  }
  void SetTx(std::shared_ptr<ipc::PipeBuffer> b) {
    tx_ = std::move(b);
    tx_->Attach(this, true);
  }
  // A stream socket's SO_SNDBUF: as set, else the host's default.
  size_t send_buffer() const { return sndbuf_ ? sndbuf_ : HostWmem().default_size; }
  int io_flags() const { return type_ == SOCK_STREAM ? 0 : (ipc::kIoPacket | ipc::kIoBigPacket); }
  bool sends_in_place() const override { return type_ == SOCK_STREAM; }
  // A packet fits in the receiver's buffer (kIoBigPacket), at most
  // pipe-max-size; the host pair a fork makes takes less (SO_SNDBUF).
  size_t MaxMessage() const override { return type_ == SOCK_STREAM ? kMaxRwCount : ipc::kPipeMaxSize; }

  static void Join(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b) {
    auto ab = std::make_shared<ipc::PipeBuffer>(), ba = std::make_shared<ipc::PipeBuffer>();
    if (a->type_ == SOCK_STREAM) {
      ab->UseStreamSocketUnits(a->send_buffer());
      ba->UseStreamSocketUnits(b->send_buffer());
    }
    if (a->type_ == SOCK_DGRAM) {
      // Each keeps its own receive buffer; sending goes to the peer's.
      a->peer_ = b;
      b->peer_ = a;
      a->connected_ = b->connected_ = true;
      return;
    }
    a->SetTx(ab);
    b->SetRx(ab);
    b->SetTx(ba);
    a->SetRx(ba);
    a->peer_ = b;
    b->peer_ = a;
    a->connected_ = b->connected_ = true;
  }

  SysResult<void> Bind(const std::string& addr) override {
    if (addr.size() == sizeof(sa_family_t) && addr == Family()) {
      if (!key_.empty()) return {};  // already bound: Linux says 0
      return Autobind();
    }
    std::string name = TRY(NameOf(addr));
    if (!key_.empty()) return Errno{EINVAL};
    SysResult<std::string> key = name;
    bool file = !IsAbstract(name);
    if (file) {
      // The socket file, as Linux creates it (mode 0777 & ~umask); any
      // existing file there makes the address in use.
      auto made = fs::Vfs::Get().Mknod(AT_FDCWD, name, S_IFSOCK | 0777);
      if (!made.ok()) return Errno{made.error() == EEXIST ? EADDRINUSE : made.error()};
      key = FileKey(name, false);
      if (!key.ok()) return Errno{key.error()};
    }
    sched::SpinGuard g(g_names_lock);
    if (!g_names) g_names = new std::map<std::string, std::weak_ptr<UnixSocket>>();
    auto it = g_names->find(*key);
    // A new socket file may reuse the inode of an unlinked one whose socket
    // lives on: the new binding wins.
    if (!file && it != g_names->end() && !it->second.expired()) return Errno{EADDRINUSE};
    (*g_names)[*key] = weak_from_this();
    key_ = *key;
    // A path's address is as long as Linux's unix_mkname_bsd makes it (up
    // to its NUL), whatever length bind was given.
    name_ = file ? addr.substr(0, std::min(addr.size(), std::strlen(addr.c_str() + sizeof(sa_family_t)) +
                                                         sizeof(sa_family_t) + 1))
                 : addr;
    return {};
  }

  // bind() with only the family: a free abstract name of five hex digits,
  // as Linux's unix_autobind (ENOSPC once all 2^20 are taken).
  SysResult<void> Autobind() {
    static uint32_t next;  // guarded by g_names_lock
    static const char kHex[] = "0123456789abcdef";
    sched::SpinGuard g(g_names_lock);
    if (!g_names) g_names = new std::map<std::string, std::weak_ptr<UnixSocket>>();
    for (uint32_t tries = 0; tries <= 0xfffff; tries++) {
      uint32_t n = next++ & 0xfffff;
      std::string name(1, '\0');
      for (int i = 16; i >= 0; i -= 4) name += kHex[(n >> i) & 0xf];
      auto it = g_names->find(name);
      if (it != g_names->end() && !it->second.expired()) continue;
      (*g_names)[name] = weak_from_this();
      key_ = name;
      name_ = Family() + name;
      return {};
    }
    return Errno{ENOSPC};
  }

  SysResult<void> Listen(int backlog) override {
    if (type_ == SOCK_DGRAM) return Errno{EOPNOTSUPP};
    if (connected_) return Errno{EINVAL};
    if (key_.empty()) return Errno{EINVAL};  // autobind not supported
    listening_ = true;
    backlog_arg_ = backlog;
    return {};
  }

  SysResult<fs::FilePtr> Accept(int flags, std::string* peer) override {
    if (!listening_) return Errno{EINVAL};
    uint64_t deadline = 0;
    lock_.lock();
    while (backlog_.empty()) {
      // shutdown(SHUT_RD) ends a blocking accept (a waiting one too) with
      // EINVAL once nothing is pending, as Linux's unix_accept.
      if (shut_rd_ && !nonblocking()) {
        lock_.unlock();
        return Errno{EINVAL};
      }
      if (moved_) {
        // A fork made it a host socket (pending connections went along).
        lock_.unlock();
        std::shared_ptr<Socket> h = Moved();
        if (!h) return Errno{EINVAL};
        return h->Accept(flags, peer);
      }
      if (nonblocking()) {
        lock_.unlock();
        return Errno{EAGAIN};
      }
      // SO_RCVTIMEO bounds the wait (EAGAIN), as Linux's unix_accept.
      if (!deadline) deadline = rcvtimeo_ ? sched::NowNs() + rcvtimeo_ : ~uint64_t{0};
      long r = acceptq_.Wait(lock_, deadline == ~uint64_t{0} ? 0 : deadline);
      if (r) return Errno{r == -ETIMEDOUT ? EAGAIN : static_cast<int>(-r)};
      lock_.lock();
    }
    auto s = backlog_.front();
    backlog_.pop_front();
    lock_.unlock();
    s->set_flags((s->flags() & ~O_NONBLOCK) | (flags & O_NONBLOCK));
    *peer = UnnamedAddr();
    return fs::FilePtr(s);
  }

  SysResult<void> Connect(const std::string& addr) override {
    auto key = KeyOf(addr);
    if (!key.ok()) return Errno{key.error()};
    std::shared_ptr<UnixSocket> target;
    {
      sched::SpinGuard g(g_names_lock);
      if (g_names) {
        auto it = g_names->find(*key);
        if (it != g_names->end()) target = it->second.lock();
      }
    }
    if (!target) return Errno{ECONNREFUSED};
    if (target->type_ != type_) return Errno{EPROTOTYPE};
    if (type_ == SOCK_DGRAM) {
      peer_ = target;
      connected_ = true;
      peer_name_ = addr;
      return {};
    }
    if (connected_) return Errno{EISCONN};
    if (!target->listening_) return Errno{ECONNREFUSED};
    auto server = std::make_shared<UnixSocket>(type_, 0);
    server->name_ = target->name_;
    {
      sched::SpinGuard g(target->lock_);
      // A fork made it a host socket meanwhile: the caller connects there.
      if (target->moved_) return Errno{ECONNREFUSED};
      Join(shared_from_this(), server);
      target->backlog_.push_back(server);
    }
    peer_name_ = target->name_;
    target->acceptq_.WakeOne();
    target->hub().Notify(EPOLLIN);
    return {};
  }

  SysResult<size_t> SendMsg(const Msg& m, int flags) override {
    // Linux signals SIGPIPE only on stream sockets; datagram and seqpacket
    // sends just fail with EPIPE.
    if (type_ != SOCK_STREAM) flags |= MSG_NOSIGNAL;
    // Linux's stream and seqpacket sends look for the peer before the
    // shutdown (ENOTCONN, not EPIPE, once shut down unconnected).
    if (type_ != SOCK_DGRAM && !connected_) return Errno{ENOTCONN};
    if (shut_wr_) {
      if (!(flags & MSG_NOSIGNAL)) {
        siginfo_t info{};
        info.si_signo = SIGPIPE;
        ipc::RaiseSignal(SIGPIPE, info);
      }
      return Errno{EPIPE};
    }
    int io = io_flags() | ((flags & MSG_DONTWAIT) ? ipc::kIoNonBlock : 0) |
             ((flags & MSG_NOSIGNAL) ? ipc::kIoNoSignal : 0);
    std::shared_ptr<UnixSocket> peer;
    std::shared_ptr<ipc::PipeBuffer> out = tx_;
    if (type_ == SOCK_DGRAM) {
      if (!m.addr.empty()) {
        if (IsHostAddr(m.addr)) return SendThroughHost(m.addr, m, flags);
        auto key = KeyOf(m.addr);
        if (!key.ok()) return Errno{key.error()};
        {
          sched::SpinGuard g(g_names_lock);
          if (g_names) {
            auto it = g_names->find(*key);
            if (it != g_names->end()) peer = it->second.lock();
          }
        }
        // Not under g_names_lock: the send may wait, and may move this
        // socket to the host (which takes it).
        if (!peer) return SendThroughHost(HostAddr(*key), m, flags);
      } else {
        peer = peer_.lock();
        if (!peer) {
          if (!connected_) return Errno{ENOTCONN};
          connected_ = false;  // Linux reports a dead peer once, then forgets it
          return Errno{ECONNREFUSED};
        }
      }
      out = peer->rx_;
    } else {
      if (!connected_) return Errno{ENOTCONN};
      peer = peer_.lock();
    }
    if (!out) return Errno{ENOTCONN};
    if (out->moved()) return SendMoved(m, flags);
    // Rights travel with the first unit (or the packet) of this send; the
    // buffer takes them once that is queued.
    ipc::Rights rights = m.rights;
    // A sender that blocks must not keep its peer alive: the peer's close
    // (its last reference) is what ends the wait with EPIPE.
    peer.reset();
    // A datagram carries its sender's address, recvfrom's (none for an
    // unbound sender: msg_namelen 0, as Linux's unix_copy_addr leaves it).
    // Copied under g_names_lock: another thread's bind or autobind sets it.
    std::string from;
    if (type_ == SOCK_DGRAM) {
      sched::SpinGuard g(g_names_lock);
      from = name_;
    }
    // A stream's send is copied from the caller's memory unit by unit
    // (Msg::iov, PipeBuffer's stream units); a datagram is in m.data.
    auto r = m.iov.empty()
                 ? out->Write(this, m.data.data(), m.data.size(), io, type_ == SOCK_DGRAM ? &from : nullptr, &rights)
                 : out->WriteV(this, m.iov.data(), m.iov.size(), io, m.iov_valid, nullptr, &rights);
    if (!out->moved() || (r.ok() && *r == m.length()) || (!r.ok() && r.error() != EPIPE)) return r;
    // A fork moved the buffer while the call waited: the rest goes on on
    // the host (after what was queued here, which went first).
    size_t done = r.ok() ? *r : 0;
    auto more = SendMoved(m.Without(done), flags);
    if (!more.ok()) return done ? SysResult<size_t>(done) : more;
    return done + *more;
  }

  // A send once a fork moved this socket, or the one it sends to, to the
  // host: through this socket's replacement, else by the address (or the
  // connected peer's), which now leads to the host socket.
  SysResult<size_t> SendMoved(const Msg& m, int flags) {
    if (std::shared_ptr<Socket> h = Moved()) {
      // The host socket sends from LibOS memory.
      auto gathered = m.Gathered();
      if (!gathered.ok()) return Errno{gathered.error()};
      return h->SendMsg(*gathered, flags);
    }
    if (type_ == SOCK_DGRAM) {
      if (!m.addr.empty()) return SendMsg(m, flags);
      std::shared_ptr<UnixSocket> p = peer_.lock();
      if (p && !p->key_.empty()) return SendThroughHost(HostAddr(p->key_), m, flags);
    }
    return Errno{EPIPE};
  }

  SysResult<size_t> RecvMsg(Msg* m, size_t len, int flags) override {
    if (!rx_) return Errno{type_ == SOCK_STREAM ? EINVAL : ENOTCONN};
    if (rx_->moved()) return RecvMoved(m, len, flags);
    int io = io_flags() | ((flags & MSG_DONTWAIT) ? ipc::kIoNonBlock : 0) | ((flags & MSG_PEEK) ? ipc::kIoPeek : 0);
    // After SHUT_RD what is queued is still read, then EOF: no waiting
    // (a datagram socket asked not to block says EAGAIN, as Linux).
    if (shut_rd_) io |= ipc::kIoNonBlock;
    m->data.resize(len);
    size_t got = 0, packet_len = 0;
    // A buffer that faults part-way (m->room): as Linux, a stream read
    // takes the sends (units) that fit whole, or fails with EFAULT leaving
    // the data queued; a datagram that does not fit is taken and lost.
    size_t room = type_ == SOCK_STREAM ? m->room : ~size_t{0};
    // A stream read waits for SO_RCVLOWAT bytes (all with MSG_WAITALL), as
    // Linux's sock_rcvlowat; a peek takes what is there.
    size_t target = 1;
    if (type_ == SOCK_STREAM && !(flags & MSG_PEEK))
      target = (flags & MSG_WAITALL) ? len : std::min(len, static_cast<size_t>(__atomic_load_n(&rcvlowat_, __ATOMIC_RELAXED)));
    else if (type_ == SOCK_STREAM && (flags & MSG_WAITALL))
      target = len;
    for (;;) {
      if (got && got >= room) break;
      auto r = rx_->Read(this, m->data.data() + got, len - got, io, &packet_len, room - got,
                         type_ == SOCK_DGRAM ? &m->addr : nullptr, &m->rights);
      if (!r.ok()) {
        if (got) break;
        if (r.error() == EAGAIN && shut_rd_ &&
            !(type_ == SOCK_DGRAM && (nonblocking() || (flags & MSG_DONTWAIT))))
          return size_t{0};
        return Errno{r.error()};
      }
      // A fork moved the buffer (its data went along) while the call waited.
      if (!*r && !got && rx_->moved()) return RecvMoved(m, len, flags);
      got += *r;
      // Rights end a stream read, MSG_WAITALL or not (Linux).
      if (got >= target || !*r || type_ != SOCK_STREAM || !m->rights.empty()) break;
    }
    m->data.resize(got);
    bool lost = type_ != SOCK_STREAM && got > m->room;
    // A datagram longer than the buffer: MSG_TRUNC in msg_flags, and its
    // whole length returned if the caller asked with MSG_TRUNC.
    if (type_ != SOCK_STREAM && packet_len > got) {
      m->flags |= MSG_TRUNC;
      if (flags & MSG_TRUNC) got = packet_len;
    }
    if (lost) return Errno{EFAULT};
    if (passcred_) {
      m->creds = true;
      const Process& p = CurrentProcess();
      m->cred = {p.pid, p.uid, p.gid};  // container pid, as getpid() says
    }
    return got;
  }

  // A receive once a fork moved this socket to the host: there (EOF if
  // the host socket is gone too).
  SysResult<size_t> RecvMoved(Msg* m, size_t len, int flags) {
    std::shared_ptr<Socket> h = Moved();
    if (!h) return size_t{0};
    return h->RecvMsg(m, len, flags);
  }

  // Unconnected too, as Linux's unix_shutdown (it only marks this end).
  SysResult<void> Shutdown(int how) override {
    if (how == SHUT_RD || how == SHUT_RDWR) {
      // The peer's sends fail with EPIPE from now on, a blocked one too
      // (Linux's unix_shutdown gives the peer SEND_SHUTDOWN): this end
      // stops being the buffer's reader.
      if (!rx_detached_ && rx_ && type_ != SOCK_DGRAM) {
        rx_->Detach(this, false);
        rx_detached_ = true;
      }
      {
        sched::SpinGuard g(lock_);
        shut_rd_ = true;
      }
      // A recv waiting now returns 0 (Linux wakes it: sk_state_change), an
      // accept EINVAL.
      if (rx_) rx_->ShutRead();
      acceptq_.WakeAll();
    }
    if (how == SHUT_WR || how == SHUT_RDWR) {
      if (!shut_wr_ && tx_) tx_->Detach(this, true);
      if (!shut_wr_ && tx_) tx_.reset();
      shut_wr_ = true;
    }
    hub().Notify(EPOLLIN | EPOLLOUT | EPOLLRDHUP);
    return {};
  }

  bool honours_room() const override { return true; }

  SysResult<std::string> Name(bool peer) override {
    if (peer) {
      if (!connected_) return Errno{ENOTCONN};
      return peer_name_.empty() ? UnnamedAddr() : peer_name_;
    }
    return name_.empty() ? UnnamedAddr() : name_;
  }

  SysResult<void> GetOpt(int level, int name, std::vector<char>* val) override {
    if (level != SOL_SOCKET) return Errno{EOPNOTSUPP};  // unix sockets have no other level (Linux)
    int v = 0;
    switch (name) {
      case SO_TYPE: v = type_; break;
      case SO_DOMAIN: v = AF_UNIX; break;
      case SO_PROTOCOL: v = 0; break;
      case SO_ERROR: v = 0; break;
      case SO_ACCEPTCONN: v = listening_; break;
      case SO_PASSCRED: v = passcred_; break;
      case SO_SNDBUF:
        // A stream socket's is Linux's (its sends wait on it); the others'
        // buffers count bytes.
        v = static_cast<int>(type_ == SOCK_STREAM ? send_buffer() : ipc::kPipeDefaultSize);
        break;
      case SO_RCVBUF: v = static_cast<int>(ipc::kPipeDefaultSize); break;
      case SO_RCVTIMEO:
      case SO_SNDTIMEO:
      case kSoRcvtimeoNew:
      case kSoSndtimeoNew: {
        // (A _NEW option's struct __kernel_sock_timeval is a timeval here.)
        bool rcv = name == SO_RCVTIMEO || name == kSoRcvtimeoNew;
        timeval tv = SocketTimeoutTimeval(rcv ? rcvtimeo_ : sndtimeo_);
        val->assign(reinterpret_cast<char*>(&tv), reinterpret_cast<char*>(&tv) + sizeof(tv));
        return {};
      }
      case SO_PEERCRED: {
        if (!connected_) return Errno{ENOTCONN};
        const Process& p = CurrentProcess();
        ucred c{p.pid, p.uid, p.gid};  // container pid, as getpid() says
        val->assign(reinterpret_cast<char*>(&c), reinterpret_cast<char*>(&c) + sizeof(c));
        return {};
      }
      default: return generic_.Get(name, val);
    }
    val->assign(reinterpret_cast<char*>(&v), reinterpret_cast<char*>(&v) + sizeof(v));
    return {};
  }

  SysResult<void> SetOpt(int level, int name, const std::vector<char>& val) override {
    if (level != SOL_SOCKET) return Errno{EOPNOTSUPP};  // unix sockets have no other level (Linux)
    if (name == SO_PASSCRED && val.size() >= sizeof(int)) {
      int v;
      std::memcpy(&v, val.data(), sizeof(v));
      passcred_ = v;
    }
    if (name == SO_SNDBUF && type_ == SOCK_STREAM) {
      if (val.size() < sizeof(int)) return Errno{EINVAL};
      int v;
      std::memcpy(&v, val.data(), sizeof(v));
      sndbuf_ = ipc::stream_units::SendBufferFor(v, HostWmem().max);
      if (tx_) tx_->SetSendBuffer(sndbuf_);
      return {};
    }
    if (name == SO_RCVTIMEO || name == kSoRcvtimeoNew) {
      rcvtimeo_ = TRY(SocketTimeoutOpt(val));
      return {};
    }
    if (name == SO_SNDTIMEO || name == kSoSndtimeoNew) {
      sndtimeo_ = TRY(SocketTimeoutOpt(val));
      return {};
    }
    if (name == SO_PASSCRED || name == SO_SNDBUF || name == SO_RCVBUF) return {};  // the rest of the buffer sizes: accepted
    TRY_VOID(generic_.Set(name, val));
    if (name == SO_RCVLOWAT) {
      std::vector<char> kept;
      if (generic_.Get(name, &kept).ok() && kept.size() >= sizeof(int)) {
        int v;
        std::memcpy(&v, kept.data(), sizeof(v));
        __atomic_store_n(&rcvlowat_, v, __ATOMIC_RELAXED);
      }
    }
    return {};
  }
  uint64_t wait_timeout_ns(bool sending) const override { return sending ? sndtimeo_ : rcvtimeo_; }

  SysResult<void> Stat(struct stat* st) override {
    *st = fs::SyntheticStat(ipc::kAnonDev, ino_, S_IFSOCK | 0777);
    return {};
  }
  SysResult<int> Available() override { return rx_ ? static_cast<int>(rx_->available()) : 0; }
  uint32_t Poll() override {
    if (__atomic_load_n(&moved_, __ATOMIC_ACQUIRE)) return 0;  // waiters follow MovedTo()
    if (listening_) {
      sched::SpinGuard g(lock_);
      return backlog_.empty() ? 0 : (EPOLLIN | EPOLLRDNORM);
    }
    uint32_t ev = 0;
    if (rx_) {
      uint32_t r = rx_->PollRead();
      ev |= r & (EPOLLIN | EPOLLRDNORM);
      if ((r & EPOLLHUP) && type_ != SOCK_DGRAM) ev |= EPOLLIN | EPOLLRDHUP;
    }
    if (shut_rd_) ev |= EPOLLIN | EPOLLRDHUP;
    if (type_ == SOCK_DGRAM) {
      auto p = peer_.lock();
      if (!connected_ || (p && (p->rx_->PollWrite() & EPOLLOUT))) ev |= EPOLLOUT | EPOLLWRNORM;
    } else if (tx_) {
      uint32_t w = tx_->PollWrite();
      ev |= w & (EPOLLOUT | EPOLLWRNORM);
      if (w & EPOLLERR) ev |= EPOLLOUT | EPOLLHUP;
    } else if (!connected_) {
      ev |= EPOLLOUT | EPOLLHUP;
    }
    if ((ev & EPOLLRDHUP) && (shut_wr_ || !tx_ || (tx_->PollWrite() & EPOLLERR))) ev |= EPOLLHUP;
    return ev;
  }
  bool host_pollable() const override { return false; }
  fs::FilePtr MovedTo() override {
    if (!__atomic_load_n(&moved_, __ATOMIC_ACQUIRE)) return nullptr;
    sched::SpinGuard g(lock_);
    return moved_to_.lock();
  }
  SysResult<long> Ioctl(unsigned long req, long) override {
    (void)req;
    return Errno{ENOTTY};
  }

  // A datagram to host address `to` (the shared host socket of an address
  // no LibOS socket here answers). A bound sender first becomes a host
  // socket at its own host address, as at a fork, so the receiver gets an
  // address it can answer to (a forking datagram server's child replies
  // to recvfrom's address); an unbound one sends from an unnamed host
  // socket (the receiver sees no sender address, as on Linux).
  SysResult<size_t> SendThroughHost(const std::string& to, const Msg& m, int flags) {
    if (shared_by_address()) {
      if (auto h = std::dynamic_pointer_cast<Socket>(MoveToHostToSend())) {
        auto gathered = m.Gathered();  // the host socket sends from LibOS memory
        if (!gathered.ok()) return Errno{gathered.error()};
        return h->SendMsg(*gathered, flags);
      }
    }
    static int scratch = -1;  // per process, unbound
    if (scratch < 0) {
      long fd = HostSocketCall(SOCK_DGRAM);
      if (fd < 0) return Errno{static_cast<int>(-fd)};
      scratch = static_cast<int>(fd);
    }
    if (!m.rights.empty()) return Errno{EOPNOTSUPP};
    for (;;) {
      long r = host::Syscall(SYS_sendto, scratch, host::L(m.data.data()), m.data.size(), MSG_DONTWAIT, host::L(to.data()),
                             to.size());
      if (r >= 0) return static_cast<size_t>(r);
      if (r != -EAGAIN || nonblocking() || (flags & MSG_DONTWAIT)) return Errno{static_cast<int>(-r)};
      if (sched::WaitHostFd(scratch, EPOLLOUT, 0) == -EINTR) return Errno{EINTR};
    }
  }

  // Listening, or bound and unconnected datagram: other processes reach it
  // by its address, so sharing it needs one host socket.
  bool shared_by_address() const { return !key_.empty() && (listening_ || (type_ == SOCK_DGRAM && !connected_)); }

  // Makes the host socket for a shared_by_address() socket, bound to
  // HostAddr(key_), which replaces it, also for calls blocked on it.
  // Pending connections become host connections to it (their client ends,
  // if alive, into `replaced`); queued datagrams move along. This socket
  // leaves the registry first: the address now leads to the host socket
  // in every process. Null on failure.
  fs::FilePtr MoveToHost(fs::Replacements& replaced) {
    std::string addr = HostAddr(key_);
    long fd = HostSocketCall(type_);
    if (fd < 0) return nullptr;
    // A file left there by a shared socket of the same key (an unlinked
    // socket file's inode reused): the new binding wins, as in the registry.
    if (addr[sizeof(sa_family_t)] != '\0')
      host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(addr.data() + sizeof(sa_family_t)), 0);
    if (host::Syscall(SYS_bind, fd, host::L(addr.data()), addr.size()) < 0) {
      host::Syscall(SYS_close, fd);
      return nullptr;
    }
    if (listening_) {
      size_t queued;
      {
        sched::SpinGuard g(lock_);
        queued = backlog_.size();
      }
      // Room for the pending connections and a few made meanwhile.
      host::Syscall(SYS_listen, fd, std::max<long>(backlog_arg_, static_cast<long>(queued) + 16));
    }
    fs::FilePtr host = WrapHostUnixSocket(static_cast<int>(fd), flags(), name_, "");
    CarryOptionsTo(host);
    {
      sched::SpinGuard g(g_names_lock);
      auto it = g_names->find(key_);
      if (it != g_names->end() && it->second.lock().get() == this) g_names->erase(it);
    }
    if (listening_) {
      // From here a connect in this process goes to the host socket
      // (Connect refuses a moved listener) and a blocked accept goes on
      // there; connections already queued go first.
      std::deque<std::shared_ptr<UnixSocket>> pending;
      {
        sched::SpinGuard g(lock_);
        pending.swap(backlog_);
        moved_to_ = host;
        __atomic_store_n(&moved_, true, __ATOMIC_RELEASE);
      }
      acceptq_.WakeAll();
      hub().Notify(EPOLLIN);
      for (auto& p : pending) {
        long c = HostSocketCall(type_);
        if (c >= 0 && host::Syscall(SYS_connect, c, host::L(addr.data()), addr.size()) < 0) {
          host::Syscall(SYS_close, c);
          c = -1;
        }
        std::shared_ptr<UnixSocket> client = p->peer();
        fs::FilePtr hc;
        if (c >= 0 && client && !replaced.count(client.get()))
          hc = WrapHostUnixSocket(static_cast<int>(c), client->flags(), client->name_, name_);
        if (hc) {
          client->CarryOptionsTo(hc);
          client->SetMovedTo(hc);
        }
        // What the client sent before the accept goes to the host
        // connection; the client's calls go on there.
        p->MoveBuffersToHost(static_cast<int>(c), -1);
        if (hc) {
          if (client->shut_wr()) host::Syscall(SYS_shutdown, c, SHUT_WR);
          replaced.emplace(client.get(), hc);
        } else if (c >= 0) {
          host::Syscall(SYS_close, c);  // the client is gone: EOF after its data
        }
      }
    } else {
      SetMovedTo(host);
      long t = HostSocketCall(SOCK_DGRAM);
      if (t >= 0 && host::Syscall(SYS_connect, t, host::L(addr.data()), addr.size()) < 0) {
        host::Syscall(SYS_close, t);
        t = -1;
      }
      MoveBuffersToHost(static_cast<int>(t), -1);
      if (t >= 0) host::Syscall(SYS_close, t);
    }
    return host;
  }

  // MoveToHost for a send, in place of this socket in the descriptor
  // table; once, when several threads send (the others get the same
  // host socket). Null on failure.
  fs::FilePtr MoveToHostToSend() {
    static sched::SpinLock moving;
    sched::SpinGuard g(moving);
    if (fs::FilePtr h = MovedTo()) return h;
    fs::Replacements none;  // a datagram socket has no pending connections
    fs::FilePtr h = MoveToHost(none);
    if (h) ReplaceByHostSocket(this, h);
    return h;
  }

  // A datagram socket connected to a shared_by_address() one: a host
  // socket connected to the latter's host address.
  fs::FilePtr ConnectedDgramToHost(const UnixSocket& target) {
    long fd = HostSocketCall(SOCK_DGRAM);
    if (fd < 0) return nullptr;
    std::string addr = HostAddr(target.key_);
    if (host::Syscall(SYS_connect, fd, host::L(addr.data()), addr.size()) < 0) {
      host::Syscall(SYS_close, fd);
      return nullptr;
    }
    fs::FilePtr h = WrapHostUnixSocket(static_cast<int>(fd), flags(), name_, peer_name_);
    CarryOptionsTo(h);
    return h;
  }

  // The options a host socket `h` replacing this one must have (Linux
  // keeps them with the socket): the timeouts (a zero-jiffy one as a
  // negative time, which sets it), SO_PASSCRED (the host then attaches
  // the sender's credentials; HostSocket::RecvMsg makes the pid a
  // container pid) and the generic options.
  void CarryOptionsTo(const fs::FilePtr& h) const {
    auto* hs = dynamic_cast<Socket*>(h.get());
    if (!hs) return;
    auto bytes = [](const auto& v) {
      return std::vector<char>(reinterpret_cast<const char*>(&v), reinterpret_cast<const char*>(&v) + sizeof(v));
    };
    for (int name : {SO_RCVTIMEO, SO_SNDTIMEO}) {
      uint64_t ns = name == SO_RCVTIMEO ? rcvtimeo_ : sndtimeo_;
      if (!ns) continue;
      timeval tv = ns == 1 ? timeval{-1, 0} : SocketTimeoutTimeval(ns);
      (void)hs->SetOpt(SOL_SOCKET, name, bytes(tv));
    }
    if (passcred_) (void)hs->SetOpt(SOL_SOCKET, SO_PASSCRED, bytes(1));
    for (const auto& [name, val] : generic_.Values()) (void)hs->SetOpt(SOL_SOCKET, name, val);
  }

  const std::string& name() const { return name_; }
  int type() const { return type_; }
  bool connected() const { return connected_; }
  std::shared_ptr<UnixSocket> peer() const { return peer_.lock(); }
  bool shut_wr() const { return shut_wr_; }

  // A fork replaces this socket by host socket `h`: calls on it go on
  // there once its buffers moved (MoveBuffersToHost). Held weakly: this
  // socket living on (a blocked call's reference) must not keep the host
  // one open.
  void SetMovedTo(const fs::FilePtr& h) {
    sched::SpinGuard g(lock_);
    moved_to_ = h;
    __atomic_store_n(&moved_, true, __ATOMIC_RELEASE);
  }
  // Where calls go once a fork moved this socket; null if the host socket
  // is gone too.
  std::shared_ptr<Socket> Moved() { return std::dynamic_pointer_cast<Socket>(MovedTo()); }
  // The messages queued for this socket go to host descriptor `rx_to`
  // (the other end of the host pair that replaces it), those it sent that
  // its peer has yet to read to `tx_to` (-1: dropped), each buffer in one
  // step; calls waiting on them wake and go on on the host (SetMovedTo
  // first). A buffer already moved (shared with the peer) stays as it is.
  void MoveBuffersToHost(int rx_to, int tx_to) {
    if (rx_) rx_->MoveToHost(rx_to, true, nullptr, nullptr);
    if (tx_) tx_->MoveToHost(tx_to, true, nullptr, nullptr);
    hub().Notify(EPOLLIN | EPOLLOUT);  // poll/select in progress follow MovedTo()
  }

 private:
  int type_;
  uint64_t ino_;
  sched::SpinLock lock_;  // guards backlog_ and moved_to_
  std::deque<std::shared_ptr<UnixSocket>> backlog_;
  sched::WaitQueue acceptq_;
  std::shared_ptr<ipc::PipeBuffer> rx_, tx_;
  std::weak_ptr<UnixSocket> peer_;
  std::string key_, name_, peer_name_;
  std::weak_ptr<fs::File> moved_to_;  // guarded by lock_ (SetMovedTo)
  bool moved_ = false;                // written under lock_
  int backlog_arg_ = 0;
  size_t sndbuf_ = 0;  // a stream socket's SO_SNDBUF once set (else the default)
  uint64_t rcvtimeo_ = 0, sndtimeo_ = 0;  // SO_RCVTIMEO/SO_SNDTIMEO in ns (0: none)
  GenericSocketOptions generic_;          // the other SOL_SOCKET options (docs/ipc.md: which have effect)
  int rcvlowat_ = 1;                      // SO_RCVLOWAT as kept in generic_ (a stream read's target)
  bool listening_ = false, connected_ = false, shut_rd_ = false, shut_wr_ = false, passcred_ = false;
  bool rx_detached_ = false;  // SHUT_RD made this end no reader of rx_
};

}  // namespace

void HostUnixSocketsForFork(fs::Replacements& replaced) {
  fs::FdTable& table = fs::FdTable::Get();
  // Sockets reached by address first: their pending connections' client
  // ends are then host sockets already.
  for (int fd : table.Numbers()) {
    fs::FilePtr f = table.Lookup(fd);
    auto* s = dynamic_cast<UnixSocket*>(f.get());
    if (!s || !s->shared_by_address() || replaced.count(s)) continue;
    if (fs::FilePtr h = s->MoveToHost(replaced)) replaced.emplace(s, h);
  }
  for (int fd : table.Numbers()) {
    fs::FilePtr f = table.Lookup(fd);
    auto* s = dynamic_cast<UnixSocket*>(f.get());
    if (!s || !s->connected() || replaced.count(s)) continue;
    std::shared_ptr<UnixSocket> target = s->peer();
    if (s->type() == SOCK_DGRAM && target && target->shared_by_address()) {
      if (fs::FilePtr h = s->ConnectedDgramToHost(*target)) {
        s->SetMovedTo(h);
        s->MoveBuffersToHost(-1, -1);
        replaced.emplace(s, h);
      }
      continue;
    }
    int h[2];
    if (host::Syscall(SYS_socketpair, AF_UNIX, s->type() | SOCK_CLOEXEC, 0, host::L(h)) < 0) continue;
    std::shared_ptr<UnixSocket> peer = std::move(target);
    fs::FilePtr hs = WrapHostSocket(h[0], s->flags());
    fs::FilePtr hp = peer ? WrapHostSocket(h[1], peer->flags()) : nullptr;
    s->CarryOptionsTo(hs);
    if (peer) peer->CarryOptionsTo(hp);
    // Queued messages go along: what this end had yet to read into h[1],
    // what the peer had yet to read into h[0]; then calls on either go on
    // on their host end.
    s->SetMovedTo(hs);
    if (peer) peer->SetMovedTo(hp);
    s->MoveBuffersToHost(h[1], h[0]);
    if (peer) peer->MoveBuffersToHost(h[0], h[1]);
    if (s->shut_wr()) host::Syscall(SYS_shutdown, h[0], SHUT_WR);
    replaced.emplace(s, hs);
    if (peer) {
      if (peer->shut_wr()) host::Syscall(SYS_shutdown, h[1], SHUT_WR);
      // A peer no descriptor holds closes with its replacement.
      replaced.emplace(peer.get(), hp);
    } else {
      host::Syscall(SYS_close, h[1]);  // the peer is gone: EOF after the data
    }
  }
}

void ReplaceByHostSocket(fs::File* f, const fs::FilePtr& host) {
  fs::Replacements replaced{{f, host}};
  fs::FdTable& table = fs::FdTable::Get();
  for (const fs::FilePtr& e : table.Files())
    if (auto* ep = dynamic_cast<ipc::Epoll*>(e.get())) ep->ReplaceMembers(replaced);
  table.ReplaceAll(replaced);
}

SysResult<std::string> SharedHostAddr(const std::string& guest_addr) { return HostAddrOfGuest(guest_addr); }

fs::FilePtr ShareUnixSocketIfNeeded(const fs::FilePtr& f) {
  auto* s = dynamic_cast<UnixSocket*>(f.get());
  if (!s || !s->shared_by_address() || !proc::OtherProcessesRunning()) return nullptr;
  fs::Replacements clients;
  fs::FilePtr h = s->MoveToHost(clients);  // nothing pending yet: no clients
  return h;
}

namespace {

// Connects host socket `fd` to the socket file a host program listens on
// at guest path `addr` (on a host mount: /run/postgresql/.s.PGSQL.5432,
// docker.sock), through /proc/self/fd of an O_PATH descriptor of it (no
// sun_path length limit, no walk outside the mount). -ENOENT if `addr`
// is no such file.
long HostConnectToHostFile(int fd, const std::string& addr, bool nonblocking) {
  auto name = NameOf(addr);
  if (!name.ok() || IsAbstract(*name)) return -ENOENT;
  auto l = fs::Vfs::Get().Resolve(AT_FDCWD, *name, fs::kFollow);
  if (!l.ok() || !l->exists || !S_ISSOCK(l->st.st_mode) || !l->mount->fs->host_backed) return -ENOENT;
  auto path_fd = l->mount->fs->HostPathFd(l->rel);
  if (!path_fd.ok()) return -ENOENT;
  // Junction's own sockets stay out of reach, as before host socket files
  // could be reached (ECONNREFUSED): the daemon's control socket, another
  // container's shared sockets.
  if (IsJunctionOwnSocket(*path_fd)) {
    host::Syscall(SYS_close, *path_fd);
    return -ECONNREFUSED;
  }
  std::string magic = Family() + "/proc/self/fd/" + std::to_string(*path_fd) + '\0';
  long r = HostConnect(fd, magic, nonblocking);
  host::Syscall(SYS_close, *path_fd);
  return r;
}

}  // namespace

SysResult<fs::FilePtr> ConnectUnixThroughHost(const fs::FilePtr& f, const std::string& addr) {
  auto* s = dynamic_cast<UnixSocket*>(f.get());
  if (!s || s->connected()) return Errno{ECONNREFUSED};
  auto to = HostAddrOfGuest(addr);
  if (!to.ok()) return Errno{to.error()};
  long fd = HostSocketCall(s->type());
  if (fd < 0) return Errno{static_cast<int>(-fd)};
  long r = HostConnect(static_cast<int>(fd), *to, s->nonblocking());
  // No socket of the container's there: a host program's, at that file?
  // (Not from a bound datagram socket: the host program's replies would
  // go to the name the LibOS holds, which no host socket is bound to.)
  if ((r == -ENOENT || r == -ECONNREFUSED) && (s->type() != SOCK_DGRAM || s->name().empty())) {
    long h = HostConnectToHostFile(static_cast<int>(fd), addr, s->nonblocking());
    if (h != -ENOENT) r = h;
  }
  if (r < 0) {
    host::Syscall(SYS_close, fd);
    // No shared socket there (or one of another type): as for a missing
    // LibOS socket.
    return Errno{r == -ENOENT ? ECONNREFUSED : static_cast<int>(-r)};
  }
  fs::FilePtr h = WrapHostUnixSocket(static_cast<int>(fd), f->flags(), s->name(), addr);
  s->CarryOptionsTo(h);
  return h;
}

namespace {

// Linux's types for a unix socket: one past SOCK_MAX (11) is the socket
// layer's EINVAL; unix_create takes SOCK_RAW as SOCK_DGRAM and refuses the
// rest but stream and seqpacket (ESOCKTNOSUPPORT).
SysResult<int> UnixSocketType(int type) {
  constexpr int kSockMax = 11;
  if (type < 0 || type >= kSockMax) return Errno{EINVAL};
  if (type == SOCK_RAW) return SOCK_DGRAM;
  if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) return Errno{ESOCKTNOSUPPORT};
  return type;
}

}  // namespace

SysResult<fs::FilePtr> MakeUnixSocket(int type, int flags) {
  type = TRY(UnixSocketType(type));
  return fs::FilePtr(std::make_shared<UnixSocket>(type, flags));
}

SysResult<std::pair<fs::FilePtr, fs::FilePtr>> MakeUnixPair(int type, int flags) {
  type = TRY(UnixSocketType(type));
  auto a = std::make_shared<UnixSocket>(type, flags), b = std::make_shared<UnixSocket>(type, flags);
  UnixSocket::Join(a, b);
  return std::pair<fs::FilePtr, fs::FilePtr>(a, b);
}

}  // namespace junction::libos::net
