// AF_INET sockets over the LibOS's own stack in `[net] mode = "bypass"`
// (docs/network.md "LibOS stack"). The stack is non-blocking; this layer
// gives BSD semantics: a call that would block parks the uthread on the
// socket's WaitQueue until the stack's notify callback fires, the
// SO_RCVTIMEO/SO_SNDTIMEO deadline passes, a signal arrives, or the
// stack's next timer is due (see BypassRunTimers for where timers run).
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include "libos/fs/file.h"
#include "libos/ipc/defer_wakes.h"
#include "libos/ipc/ipc.h"
#include "libos/net/bypass.h"
#include "libos/net/daemon_link.h"
#include "libos/net/linger.h"
#include "libos/net/port_claims.h"
#include "libos/net/socket.h"
#include "libos/net/socket_timeout.h"
#include "libos/syscalls/user_memory.h"
#include "net/stack/tcp.h"
#include "net/stack/udp.h"
#include "sched/kthread.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::net {

namespace {

namespace jn = junction::net;

// sockaddr_in/sockaddr_in6 <-> Endpoint. The stack is IPv4 only; AF_INET6
// sockets are dual-stack sockets that reach IPv4 through mapped addresses
// (::ffff:a.b.c.d), with :: as the wildcard and ::1 taken as 127.0.0.1.
// `allow_unspec`: AF_UNSPEC means "no address" (connect on a datagram
// socket dissolves the association). EADDRNOTAVAIL: an IPv6 address the
// stack cannot reach.
SysResult<jn::Endpoint> ParseAddr(int domain, const std::string& a, bool allow_unspec,
                                  bool* unspec = nullptr) {
  if (a.size() < sizeof(sa_family_t)) return Errno{EINVAL};
  sa_family_t fam;
  std::memcpy(&fam, a.data(), sizeof(fam));
  if (fam == AF_UNSPEC && allow_unspec) {
    if (unspec) *unspec = true;
    return jn::Endpoint{};
  }
  if (domain == AF_INET) {
    if (a.size() < sizeof(sockaddr_in)) return Errno{EINVAL};
    if (fam != AF_INET) return Errno{EAFNOSUPPORT};
    sockaddr_in sin;
    std::memcpy(&sin, a.data(), sizeof(sin));
    return jn::Endpoint{ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port)};
  }
  if (a.size() < 24) return Errno{EINVAL};  // SIN6_LEN_RFC2133, as Linux
  if (fam != AF_INET6) return Errno{EAFNOSUPPORT};
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, a.data(), std::min(a.size(), sizeof(sin6)));
  const uint8_t* b = sin6.sin6_addr.s6_addr;
  uint16_t port = ntohs(sin6.sin6_port);
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 16) == 0) return jn::Endpoint{0, port};
  if (std::memcmp(b, kZero, 15) == 0 && b[15] == 1) return jn::Endpoint{jn::MakeIp4(127, 0, 0, 1), port};
  if (std::memcmp(b, kMapped, 12) == 0)
    return jn::Endpoint{jn::MakeIp4(b[12], b[13], b[14], b[15]), port};
  return Errno{EADDRNOTAVAIL};
}

std::string AddrOf(int domain, jn::Endpoint e) {
  if (domain == AF_INET) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(e.port);
    sin.sin_addr.s_addr = htonl(e.ip);
    return std::string(reinterpret_cast<const char*>(&sin), sizeof(sin));
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(e.port);
  if (e.ip != 0) {  // the wildcard stays ::
    sin6.sin6_addr.s6_addr[10] = sin6.sin6_addr.s6_addr[11] = 0xff;
    uint32_t be = htonl(e.ip);
    std::memcpy(&sin6.sin6_addr.s6_addr[12], &be, 4);
  }
  return std::string(reinterpret_cast<const char*>(&sin6), sizeof(sin6));
}

template <typename T>
void PutOpt(std::vector<char>* val, const T& v) {
  val->assign(reinterpret_cast<const char*>(&v), reinterpret_cast<const char*>(&v) + sizeof(v));
}

SysResult<int> IntOpt(const std::vector<char>& val) {
  if (val.size() < sizeof(int)) return Errno{EINVAL};
  int v;
  std::memcpy(&v, val.data(), sizeof(v));
  return v;
}

// What a blocked call parks on: every notification from the stack bumps
// `gen` and wakes them all (a waiter that read the old `gen` looks again
// before parking, so no notification is lost between its try and its park).
struct Waiters {
  sched::SpinLock lock;  // guards gen
  uint64_t gen = 0;
  sched::WaitQueue queue;
  void Wake() {
    {
      sched::SpinGuard g(lock);
      gen++;
    }
    queue.WakeAll();
  }
};

// Runs `op` until it does not say EAGAIN, parking on `w` between tries
// unless non-blocking. `timeout_ns` 0 = forever (SO_RCVTIMEO/SO_SNDTIMEO);
// when it passes: EAGAIN. A signal: EINTR.
template <typename T, typename F>
SysResult<T> BlockOn(Waiters& w, bool nonblock, uint64_t timeout_ns, F op) {
  BypassRunTimers();  // due timers first: a call may be what they wait for
  uint64_t deadline = timeout_ns ? sched::NowNs() + timeout_ns : 0;
  for (;;) {
    w.lock.lock();
    uint64_t g = w.gen;
    w.lock.unlock();
    SysResult<T> r = op();
    if (r.ok() || r.error() != EAGAIN || nonblock) return r;
    w.lock.lock();
    if (w.gen != g) {
      w.lock.unlock();
      continue;
    }
    uint64_t next = BypassStack()->NextTimerNs();
    uint64_t until = deadline;
    if (next != UINT64_MAX && (until == 0 || next < until)) until = next;
    long why = w.queue.Wait(w.lock, until);
    if (why == -EINTR) return Errno{EINTR};
    BypassRunTimers();
    if (deadline && sched::NowNs() >= deadline) return Errno{EAGAIN};
  }
}

void RaiseSigpipe() {
  siginfo_t info{};
  info.si_signo = SIGPIPE;
  ipc::RaiseSignal(SIGPIPE, info);
}

// What both socket types share: the wait machinery and common options.
class InetSocket : public Socket, public std::enable_shared_from_this<InetSocket> {
 public:
  InetSocket(int domain, int type, int flags)
      : Socket(O_RDWR | (flags & O_NONBLOCK), ""), domain_(domain), type_(type), ino_(ipc::NextAnonIno()) {
    set_path("socket:[" + std::to_string(ino_) + "]");
  }

  // The stack's notify callback: two-phase wake (it runs with no stack
  // lock; inside an epoll harvest, after it: ipc::DeferWakes).
  std::function<void()> Notifier() {
    std::weak_ptr<InetSocket> w = weak_from_this();
    return [w] {
      auto s = w.lock();
      if (!s) return;
      if (ipc::DeferWakes* d = ipc::DeferWakes::Active())
        d->Defer([s] { s->Wake(); });
      else
        s->Wake();
    };
  }
  // Called from the stack after it dropped its lock. Poll() only reads
  // state (no timers, no wake-ups), so watchers may be notified from here.
  void Wake() {
    waiters_.Wake();
    hub().Notify(Readiness());
  }
  // What Poll() reports, without counting as the program's interest.
  virtual uint32_t Readiness() = 0;

  // BlockOn this socket's notifications.
  template <typename T, typename F>
  SysResult<T> Blocking(bool nonblock, uint64_t timeout_ns, F op) {
    return BlockOn<T>(waiters_, nonblock, timeout_ns, op);
  }

  SysResult<void> Stat(struct stat* st) override {
    *st = fs::SyntheticStat(ipc::kAnonDev, ino_, S_IFSOCK | 0777);
    return {};
  }
  bool host_pollable() const override { return false; }
  // NextEventNs() stays 0: readiness changes only with a notification
  // (epoll treats timed objects as level-triggered, which would break
  // EPOLLET). Timers run from socket waits, from the link's poller once the
  // daemon's rings are attached, and lazily from socket calls; loopback
  // traffic needs none (ACKs are immediate there, see the stack).

  // SOL_SOCKET options both types answer the same way.
  bool CommonGetOpt(int name, std::vector<char>* val) {
    switch (name) {
      case SO_TYPE: PutOpt(val, type_); return true;
      case SO_DOMAIN: PutOpt(val, domain_); return true;
      case SO_PROTOCOL: PutOpt(val, type_ == SOCK_STREAM ? int{IPPROTO_TCP} : int{IPPROTO_UDP}); return true;
      case SO_RCVTIMEO: PutOpt(val, SocketTimeoutTimeval(rcvtimeo_)); return true;
      case SO_SNDTIMEO: PutOpt(val, SocketTimeoutTimeval(sndtimeo_)); return true;
      case SO_RCVLOWAT: case SO_SNDLOWAT: PutOpt(val, int{1}); return true;
      default: return false;
    }
  }
  SysResult<bool> CommonSetOpt(int name, const std::vector<char>& val) {
    switch (name) {
      case SO_RCVTIMEO: rcvtimeo_ = TRY(SocketTimeoutOpt(val)); return true;
      case SO_SNDTIMEO: sndtimeo_ = TRY(SocketTimeoutOpt(val)); return true;
      default: return false;
    }
  }

 protected:
  SysResult<jn::Endpoint> Parse(const std::string& a, bool allow_unspec = false, bool* unspec = nullptr) {
    return ParseAddr(domain_, a, allow_unspec, unspec);
  }
  std::string Addr(jn::Endpoint e) const { return AddrOf(domain_, e); }
  // getsockname/getpeername for either transport: an IPV6_V6ONLY socket
  // has only its port and never a peer.
  template <typename Conn>
  SysResult<std::string> NameOf(const Conn& c, bool peer) const {
    if (v6only_) {
      if (peer) return Errno{ENOTCONN};
      return Addr(jn::Endpoint{0, v6_port_});
    }
    if (peer) return Addr(TRY(c.peer()));
    return Addr(c.local());
  }

  // IPV6_V6ONLY (AF_INET6 only). With no IPv6 in the stack, a v6-only
  // socket can be bound to :: and listen, and hears nothing: it takes no
  // IPv4 port, so a separate AF_INET socket may use the same one.
  SysResult<bool> V6OnlyOpt(int level, int name, const std::vector<char>* set, std::vector<char>* get) {
    if (level != IPPROTO_IPV6) return false;
    if (domain_ != AF_INET6) return Errno{ENOPROTOOPT};
    if (name != IPV6_V6ONLY) return Errno{ENOPROTOOPT};
    if (get) {
      PutOpt(get, int{v6only_});
      return true;
    }
    if (v6_bound_ || bound_once_) return Errno{EINVAL};
    v6only_ = TRY(IntOpt(*set)) != 0;
    return true;
  }
  // A v6-only socket's bind: only :: (no IPv6 address is ours).
  SysResult<void> BindV6Only(const std::string& a) {
    if (a.size() < 24) return Errno{EINVAL};
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, a.data(), std::min(a.size(), sizeof(sin6)));
    if (sin6.sin6_family != AF_INET6) return Errno{EAFNOSUPPORT};
    static const uint8_t kZero[16] = {};
    if (std::memcmp(sin6.sin6_addr.s6_addr, kZero, 16) != 0) return Errno{EADDRNOTAVAIL};
    if (v6_bound_) return Errno{EINVAL};
    v6_bound_ = true;
    v6_port_ = ntohs(sin6.sin6_port);
    return {};
  }

  // This process receives on local `port` through this socket: mark it in
  // the container's port table (port_claims.h) once per process (a copy
  // inherited across fork marks again in the child).
  // True if it marked now (the first time in this process).
  bool MarkLocalPort(uint16_t port) {
    if (port == 0) return false;
    uint32_t epoch = ClaimEpoch();
    uint16_t old = 0;
    {
      sched::SpinGuard g(lock_);
      if (marked_epoch_ == epoch && marked_port_ == port) return false;
      if (marked_epoch_ == epoch) old = marked_port_;
      marked_epoch_ = epoch;
      marked_port_ = port;
    }
    if (old) UnmarkPort(Proto(), old);
    MarkPort(Proto(), port);
    return true;
  }
  void UnmarkLocalPort() {
    uint16_t port = 0;
    {
      sched::SpinGuard g(lock_);
      if (marked_epoch_ == ClaimEpoch()) port = marked_port_;
      marked_port_ = 0;
    }
    if (port) UnmarkPort(Proto(), port);
  }
  uint8_t Proto() const { return type_ == SOCK_STREAM ? 6 : 17; }

  int domain_;
  int type_;
  uint64_t ino_;
  uint32_t marked_epoch_ = 0;  // guarded by lock_, with marked_port_
  uint16_t marked_port_ = 0;
  bool v6only_ = false, v6_bound_ = false, v6_listening_ = false, bound_once_ = false;
  uint16_t v6_port_ = 0;
  uint64_t rcvtimeo_ = 0, sndtimeo_ = 0;
  sched::SpinLock lock_;  // guards marked_epoch_, marked_port_
  Waiters waiters_;
};

uint32_t ToEpoll(uint32_t ev) {
  uint32_t out = ev & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP);
  if (ev & EPOLLIN) out |= EPOLLRDNORM;
  if (ev & EPOLLOUT) out |= EPOLLWRNORM;
  return out;
}
static_assert(jn::kEvIn == EPOLLIN && jn::kEvOut == EPOLLOUT && jn::kEvErr == EPOLLERR &&
              jn::kEvHup == EPOLLHUP && jn::kEvRdHup == EPOLLRDHUP);

// Linux's struct tcp_info as the kernel fills it (glibc's copy stops at
// tcpi_total_retrans): the fields through tcpi_snd_wnd (Linux 5.4+).
struct LinuxTcpInfo {
  tcp_info base;
  uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
  uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
  uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
  uint32_t delivered, delivered_ce;
  uint64_t bytes_sent, bytes_retrans;
  uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};
static_assert(sizeof(tcp_info) == 104 && offsetof(LinuxTcpInfo, bytes_acked) == 120 &&
              offsetof(LinuxTcpInfo, snd_wnd) == 228 && sizeof(LinuxTcpInfo) == 232);

// SOCK_STREAM: a TCP connection or listener.
class TcpStream : public InetSocket {
 public:
  TcpStream(int domain, std::shared_ptr<jn::TcpSocket> t, int flags)
      : InetSocket(domain, SOCK_STREAM, flags), t_(std::move(t)) {}
  // The last reference is gone (close, dup2 over it, execve's
  // close-on-exec; an exit closes in NetStack::HandOverAtExit instead).
  ~TcpStream() override {
    UnmarkLocalPort();
    if (t_) {
      t_->set_notify(nullptr);
      JoinIfShared();  // the last holder of a shared connection sends its FIN
      if (linger_on_ && linger_secs_ != 0 && MayLingerHere()) LingerClose();
      t_->Close();
    }
  }
  void Start() { t_->set_notify(Notifier()); }

  SysResult<void> Bind(const std::string& addr) override {
    JoinDaemonLinkAfterFork(false);
    if (v6only_) return BindV6Only(addr);
    auto e = TRY(Parse(addr));
    TRY_VOID(t_->Bind(e));
    bound_once_ = true;
    return {};
  }
  SysResult<void> Listen(int backlog) override {
    JoinDaemonLinkAfterFork(false);
    if (v6only_) {
      v6_listening_ = true;  // hears nothing: there is no IPv6
      return {};
    }
    if (backlog < 0 || backlog > 4096) backlog = 4096;  // Linux: somaxconn
    bound_once_ = true;
    return t_->Listen(backlog);
  }
  SysResult<fs::FilePtr> Accept(int flags, std::string* peer) override {
    JoinDaemonLinkAfterFork(false);
    // The daemon steers new connections to the processes that accept.
    NoteAccepting();
    jn::Endpoint from;
    auto c = TRY((Blocking<std::shared_ptr<jn::TcpSocket>>(nonblocking(), rcvtimeo_,
        [&]() -> SysResult<std::shared_ptr<jn::TcpSocket>> {
      if (v6only_) return v6_listening_ ? Errno{EAGAIN} : Errno{EINVAL};
      return t_->Accept(&from);
    })));
    auto s = std::make_shared<TcpStream>(domain_, std::move(c), flags);
    s->Start();
    if (linger_on_ || linger_secs_) {  // the listener's, as Linux's clone of it
      s->linger_on_ = linger_on_;
      s->linger_secs_ = linger_secs_;
      s->t_->set_linger(linger_on_, linger_secs_);
    }
    *peer = Addr(from);
    return fs::FilePtr(s);
  }
  SysResult<void> Connect(const std::string& addr) override {
    JoinDaemonLinkAfterFork(false);
    if (v6only_) return Errno{ENETUNREACH};
    auto e = TRY(Parse(addr));
    bound_once_ = true;
    auto r = t_->Connect(e);
    MarkLocalPort(t_->local().port);  // its replies come to this process
    if (r.ok() || r.error() != EINPROGRESS || nonblocking()) return r;
    // Blocking connect: wait for the handshake's outcome (EINTR leaves it going).
    auto done = Blocking<int>(false, sndtimeo_, [&]() -> SysResult<int> {
      if (t_->state() == jn::TcpState::kSynSent || t_->state() == jn::TcpState::kSynReceived)
        return Errno{EAGAIN};
      return 0;
    });
    if (!done.ok()) return Errno{done.error() == EAGAIN ? EINPROGRESS : done.error()};
    int err = t_->TakeError();
    if (err) return Errno{err};
    return {};
  }

  SysResult<size_t> SendMsg(const Msg& m, int flags) override {
    JoinIfShared();
    bool nonblock = nonblocking() || (flags & MSG_DONTWAIT);
    std::span<const std::byte> data(reinterpret_cast<const std::byte*>(m.data.data()), m.data.size());
    size_t sent = 0;
    do {
      auto r = Blocking<size_t>(nonblock, sndtimeo_, [&] { return t_->Send(data.subspan(sent)); });
      if (!r.ok()) {
        if (sent) break;  // a partial write reports what went
        if (r.error() == EPIPE && !(flags & MSG_NOSIGNAL)) RaiseSigpipe();
        return r;
      }
      sent += *r;
    } while (sent < data.size() && !nonblock);
    return sent;
  }
  SysResult<size_t> RecvMsg(Msg* m, size_t len, int flags) override {
    if (flags & MSG_OOB) return Errno{EINVAL};  // no urgent data (docs/network.md)
    JoinIfShared();
    bool nonblock = nonblocking() || (flags & MSG_DONTWAIT);
    m->data.resize(len);
    std::span<std::byte> buf(reinterpret_cast<std::byte*>(m->data.data()), len);
    size_t got = 0;
    for (;;) {
      auto r = Blocking<size_t>(nonblock, rcvtimeo_, [&] {
        return t_->Recv(buf.subspan(got), flags & jn::kMsgPeek);
      });
      if (!r.ok()) {
        if (got) break;
        m->data.clear();
        return r;
      }
      got += *r;
      if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK) || *r == 0 || got == len) break;
    }
    m->data.resize(got);
    return got;
  }
  SysResult<void> Shutdown(int how) override {
    JoinIfShared();
    return t_->Shutdown(how == SHUT_RD || how == SHUT_RDWR, how == SHUT_WR || how == SHUT_RDWR);
  }
  SysResult<std::string> Name(bool peer) override { return NameOf(*t_, peer); }

  SysResult<void> GetOpt(int level, int name, std::vector<char>* val) override {
    if (TRY(V6OnlyOpt(level, name, nullptr, val))) return {};
    if (level == SOL_SOCKET) {
      if (CommonGetOpt(name, val)) return {};
      switch (name) {
        case SO_ERROR: PutOpt(val, t_->TakeError()); return {};
        case SO_ACCEPTCONN: PutOpt(val, int{t_->listening() || v6_listening_}); return {};
        case SO_RCVBUF: PutOpt(val, static_cast<int>(t_->rcvbuf())); return {};
        case SO_SNDBUF: PutOpt(val, static_cast<int>(t_->sndbuf())); return {};
        case SO_REUSEADDR: PutOpt(val, int{reuse_addr_}); return {};
        case SO_KEEPALIVE: PutOpt(val, int{t_->keepalive()}); return {};
        case SO_LINGER:
          PutOpt(val, linger{linger_on_, linger_secs_ < 0 ? kLingerForeverReadBack : linger_secs_});
          return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    if (level == IPPROTO_TCP) {
      jn::TcpInfo i = t_->Info();
      switch (name) {
        case TCP_NODELAY: PutOpt(val, int{t_->nodelay()}); return {};
        case TCP_MAXSEG: PutOpt(val, static_cast<int>(i.snd_mss ? i.snd_mss : 536)); return {};
        case TCP_KEEPIDLE: PutOpt(val, ka_idle_); return {};
        case TCP_KEEPINTVL: PutOpt(val, ka_intvl_); return {};
        case TCP_KEEPCNT: PutOpt(val, ka_cnt_); return {};
        case TCP_CONGESTION: {  // Linux copies its zero-padded 16-byte name
          std::array<char, 16> name{};
          std::string_view n = t_->congestion();
          std::copy(n.begin(), n.end(), name.begin());
          PutOpt(val, name);
          return {};
        }
        case TCP_INFO: {
          LinuxTcpInfo lti{};
          tcp_info& ti = lti.base;
          static const uint8_t kLinuxState[] = {TCP_CLOSE, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECV,
                                                TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2,
                                                TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT};
          ti.tcpi_state = kLinuxState[static_cast<int>(i.state)];
          ti.tcpi_options = static_cast<uint8_t>((i.ts ? TCPI_OPT_TIMESTAMPS : 0) | (i.sack ? TCPI_OPT_SACK : 0) |
                                                 (i.wscale ? TCPI_OPT_WSCALE : 0));
          ti.tcpi_snd_wscale = i.snd_wscale & 0xf;
          ti.tcpi_rcv_wscale = i.rcv_wscale & 0xf;
          ti.tcpi_rto = i.rto_us;
          ti.tcpi_ato = i.ato_us;
          ti.tcpi_snd_mss = i.snd_mss;
          ti.tcpi_rcv_mss = i.rcv_mss;
          ti.tcpi_unacked = i.unacked;
          ti.tcpi_sacked = i.sacked;
          ti.tcpi_retransmits = static_cast<uint8_t>(std::min<uint32_t>(i.retrans, 255));
          ti.tcpi_total_retrans = i.total_retrans;
          ti.tcpi_rtt = i.rtt_us;
          ti.tcpi_rttvar = i.rttvar_us;
          ti.tcpi_snd_ssthresh = i.snd_ssthresh;
          ti.tcpi_snd_cwnd = i.snd_cwnd;
          ti.tcpi_advmss = i.advmss;
          ti.tcpi_rcv_space = i.rcv_space;
          ti.tcpi_pmtu = i.advmss + 40;
          ti.tcpi_reordering = 3;
          lti.pacing_rate = lti.max_pacing_rate = ~uint64_t{0};  // no pacing
          lti.bytes_acked = i.bytes_acked;
          lti.bytes_received = i.bytes_received;
          lti.snd_wnd = i.snd_wnd;
          PutOpt(val, lti);
          return {};
        }
        default: return Errno{ENOPROTOOPT};
      }
    }
    if (level == IPPROTO_IP) {
      switch (name) {
        case IP_TOS: PutOpt(val, tos_); return {};
        case IP_TTL: PutOpt(val, int{64}); return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    return Errno{ENOPROTOOPT};
  }

  SysResult<void> SetOpt(int level, int name, const std::vector<char>& val) override {
    if (TRY(V6OnlyOpt(level, name, &val, nullptr))) return {};
    if (level == SOL_SOCKET) {
      if (TRY(CommonSetOpt(name, val))) return {};
      if (name == SO_LINGER) {
        if (val.size() < sizeof(linger)) return Errno{EINVAL};
        linger l;
        std::memcpy(&l, val.data(), sizeof(l));
        // As Linux: switching it off keeps the time; a negative time is forever.
        linger_on_ = l.l_onoff != 0;
        if (linger_on_) linger_secs_ = l.l_linger < 0 ? -1 : l.l_linger;
        t_->set_linger(linger_on_, linger_secs_);
        return {};
      }
      int v = TRY(IntOpt(val));
      switch (name) {
        // Linux doubles the asked size for its bookkeeping; so do we.
        case SO_RCVBUF: t_->set_rcvbuf(static_cast<size_t>(std::clamp(v, 1152, 1 << 26)) * 2); return {};
        case SO_SNDBUF: t_->set_sndbuf(static_cast<size_t>(std::clamp(v, 2304, 1 << 26)) * 2); return {};
        case SO_REUSEADDR: reuse_addr_ = v != 0; t_->set_reuse_addr(reuse_addr_); return {};
        case SO_KEEPALIVE: t_->set_keepalive(v != 0, static_cast<uint32_t>(ka_idle_), static_cast<uint32_t>(ka_intvl_), static_cast<uint32_t>(ka_cnt_)); return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
      // A string of at most 15 characters, not necessarily terminated.
      std::string_view n(val.data(), std::min<size_t>(val.size(), 15));
      n = n.substr(0, n.find('\0'));
      return t_->set_congestion(n) ? SysResult<void>{} : Errno{ENOENT};
    }
    if (level == IPPROTO_TCP) {
      int v = TRY(IntOpt(val));
      switch (name) {
        case TCP_NODELAY: t_->set_nodelay(v != 0); return {};
        case TCP_KEEPIDLE: case TCP_KEEPINTVL: case TCP_KEEPCNT: {
          if (v < 1 || v > 32767) return Errno{EINVAL};
          (name == TCP_KEEPIDLE ? ka_idle_ : name == TCP_KEEPINTVL ? ka_intvl_ : ka_cnt_) = v;
          t_->set_keepalive(t_->keepalive(), static_cast<uint32_t>(ka_idle_), static_cast<uint32_t>(ka_intvl_), static_cast<uint32_t>(ka_cnt_));
          return {};
        }
        default: return Errno{ENOPROTOOPT};
      }
    }
    if (level == IPPROTO_IP && name == IP_TOS) {
      tos_ = TRY(IntOpt(val)) & 0xff;  // kept for getsockopt; the stack sends TOS 0
      return {};
    }
    return Errno{ENOPROTOOPT};
  }

  uint32_t Poll() override {
    // A program that polls a listener accepts on it (nginx's workers).
    NoteAccepting();
    // One that polls a connection a fork shared may claim it.
    if (JoinIfShared()) t_->NotePolled();
    return Readiness();
  }
  uint32_t Readiness() override {
    if (v6only_) return v6_listening_ ? 0 : (EPOLLOUT | EPOLLHUP);
    return ToEpoll(t_->Events());
  }
  SysResult<int> Available() override {
    if (t_->listening()) return Errno{EINVAL};
    return static_cast<int>(t_->Readable());
  }
  SysResult<long> Ioctl(unsigned long req, long arg) override {
    if (req == SIOCOUTQ) {
      if (t_->listening()) return Errno{EINVAL};
      TRY_VOID(UserPtr<int>(arg).Write(static_cast<int>(t_->Unsent())));
      return 0L;
    }
    if (req == SIOCINQ) {
      int n = TRY(Available());
      TRY_VOID(UserPtr<int>(arg).Write(n));
      return 0L;
    }
    return Errno{ENOTTY};
  }

 private:
  // What SO_LINGER reads back after a negative time: Linux stores "forever"
  // (LONG_MAX jiffies) and divides by HZ, here 250 as on our hosts'
  // kernels; the int keeps the low 32 bits.
  static constexpr int kLingerForeverReadBack = static_cast<int>(LONG_MAX / 250);

  // close() with SO_LINGER {1, N != 0} (Linux's tcp_close with a timeout,
  // sk_stream_wait_close): the FIN follows the queued data, and the
  // calling thread waits, for a blocking socket or not, until the peer
  // acknowledged all of it, N seconds passed (N < 0: forever) or a signal
  // came. close() returns 0 either way; what is left goes on in the
  // background (after an exit, in the daemon: TCP_HANDOVER).
  void LingerClose() {
    auto w = std::make_shared<Waiters>();  // outlives a wake-up in flight
    t_->CloseWatching([w] { w->Wake(); });
    (void)BlockOn<int>(*w, false, LingerTimeoutNs(linger_secs_), [&]() -> SysResult<int> {
      if (t_->FinUnacked()) return Errno{EAGAIN};
      return 0;
    });
  }

  // A connection a fork shared and nobody claimed yet: a forked child
  // joins the daemon first (claiming needs its member number and rings).
  bool JoinIfShared() {
    if (!t_->undecided()) return false;
    JoinDaemonLinkAfterFork(false);
    return true;
  }
  // This process accepts on this listener: the daemon steers its port
  // here, and the stack takes its SYNs (once per process).
  void NoteAccepting() {
    if (v6only_ || !t_->listening()) return;
    if (MarkLocalPort(t_->local().port)) t_->NoteAccepting();
  }

  std::shared_ptr<jn::TcpSocket> t_;
  bool reuse_addr_ = false, linger_on_ = false;
  int linger_secs_ = 0;
  int ka_idle_ = 7200, ka_intvl_ = 75, ka_cnt_ = 9;
  int tos_ = 0;
};

// SOCK_DGRAM: UDP.
class UdpDgram : public InetSocket {
 public:
  UdpDgram(int domain, std::shared_ptr<jn::UdpSocket> u, int flags)
      : InetSocket(domain, SOCK_DGRAM, flags), u_(std::move(u)) {}
  ~UdpDgram() override {
    UnmarkLocalPort();
    u_->set_notify(nullptr);
  }
  void Start() { u_->set_notify(Notifier()); }

  SysResult<void> Bind(const std::string& addr) override {
    JoinDaemonLinkAfterFork(false);
    if (v6only_) return BindV6Only(addr);
    TRY_VOID(u_->Bind(TRY(Parse(addr))));
    bound_once_ = true;
    MarkLocalPort(u_->local().port);
    return {};
  }
  SysResult<void> Listen(int) override { return Errno{EOPNOTSUPP}; }
  SysResult<fs::FilePtr> Accept(int, std::string*) override { return Errno{EOPNOTSUPP}; }
  SysResult<void> Connect(const std::string& addr) override {
    bool unspec = false;
    if (v6only_) return Errno{ENETUNREACH};
    auto e = TRY(Parse(addr, true, &unspec));
    if (unspec) e = {};
    bound_once_ = true;
    JoinDaemonLinkAfterFork(false);
    auto r = u_->Connect(e);
    MarkLocalPort(u_->local().port);
    return r;
  }
  SysResult<size_t> SendMsg(const Msg& m, int) override {
    if (v6only_) return Errno{ENETUNREACH};
    JoinDaemonLinkAfterFork(false);
    std::span<const std::byte> data(reinterpret_cast<const std::byte*>(m.data.data()), m.data.size());
    bound_once_ = true;
    SysResult<size_t> r = Errno{EINVAL};
    if (m.addr.empty()) {
      r = u_->SendTo(data, nullptr);
    } else {
      jn::Endpoint to = TRY(Parse(m.addr));
      r = u_->SendTo(data, &to);
    }
    MarkLocalPort(u_->local().port);  // replies come to this process
    return r;
  }
  SysResult<size_t> RecvMsg(Msg* m, size_t len, int flags) override {
    JoinDaemonLinkAfterFork(false);
    MarkLocalPort(u_->local().port);
    bool nonblock = nonblocking() || (flags & MSG_DONTWAIT);
    m->data.resize(len);
    std::span<std::byte> buf(reinterpret_cast<std::byte*>(m->data.data()), len);
    jn::Endpoint from;
    bool truncated = false;
    auto r = Blocking<size_t>(nonblock, rcvtimeo_, [&]() -> SysResult<size_t> {
      if (v6only_) return Errno{EAGAIN};  // no IPv6 datagram ever comes
      return u_->RecvFrom(buf, flags & (jn::kMsgPeek | jn::kMsgTrunc), &from, &truncated);
    });
    if (!r.ok()) {
      m->data.clear();
      return r;
    }
    m->data.resize(std::min(*r, len));
    m->addr = Addr(from);
    if (truncated) m->flags |= MSG_TRUNC;
    return *r;
  }
  SysResult<void> Shutdown(int how) override {
    // Linux allows shutdown on a UDP socket; it only wakes readers.
    if (how == SHUT_RD || how == SHUT_RDWR) shut_rd_ = true;
    Wake();
    auto p = u_->peer();
    if (!p.ok()) return Errno{ENOTCONN};
    return {};
  }
  SysResult<std::string> Name(bool peer) override { return NameOf(*u_, peer); }
  SysResult<void> GetOpt(int level, int name, std::vector<char>* val) override {
    if (TRY(V6OnlyOpt(level, name, nullptr, val))) return {};
    if (level == SOL_SOCKET) {
      if (CommonGetOpt(name, val)) return {};
      switch (name) {
        case SO_ERROR: PutOpt(val, u_->TakeError()); return {};
        case SO_ACCEPTCONN: PutOpt(val, int{0}); return {};
        case SO_RCVBUF: PutOpt(val, static_cast<int>(u_->rcvbuf())); return {};
        case SO_SNDBUF: PutOpt(val, static_cast<int>(u_->sndbuf())); return {};
        case SO_REUSEADDR: PutOpt(val, int{u_->reuse_addr()}); return {};
        case SO_REUSEPORT: PutOpt(val, int{u_->reuse_port()}); return {};
        case SO_BROADCAST: PutOpt(val, int{u_->broadcast()}); return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    if (level == IPPROTO_IP) {
      switch (name) {
        case IP_TOS: PutOpt(val, tos_); return {};
        case IP_TTL: PutOpt(val, int{64}); return {};
        case IP_MTU_DISCOVER: PutOpt(val, pmtudisc_); return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    return Errno{ENOPROTOOPT};
  }
  SysResult<void> SetOpt(int level, int name, const std::vector<char>& val) override {
    if (TRY(V6OnlyOpt(level, name, &val, nullptr))) return {};
    if (level == SOL_SOCKET) {
      if (TRY(CommonSetOpt(name, val))) return {};
      int v = TRY(IntOpt(val));
      switch (name) {
        case SO_RCVBUF: u_->set_rcvbuf(static_cast<size_t>(std::clamp(v, 1152, 1 << 26)) * 2); return {};
        case SO_SNDBUF: u_->set_sndbuf(static_cast<size_t>(std::clamp(v, 2304, 1 << 26)) * 2); return {};
        case SO_REUSEADDR: u_->set_reuse_addr(v != 0); return {};
        case SO_REUSEPORT: u_->set_reuse_port(v != 0); return {};
        case SO_BROADCAST: u_->set_broadcast(v != 0); return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    if (level == IPPROTO_IP) {
      int v = TRY(IntOpt(val));
      switch (name) {
        case IP_TOS: tos_ = v & 0xff; return {};  // kept for getsockopt; sent as 0
        case IP_MTU_DISCOVER:
          if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT) return Errno{EINVAL};
          pmtudisc_ = v;
          u_->set_dont_fragment(v == IP_PMTUDISC_DO || v == IP_PMTUDISC_PROBE);
          return {};
        default: return Errno{ENOPROTOOPT};
      }
    }
    return Errno{ENOPROTOOPT};
  }
  uint32_t Poll() override {
    MarkLocalPort(u_->local().port);
    return Readiness();
  }
  uint32_t Readiness() override {
    uint32_t ev = v6only_ ? jn::kEvOut : u_->Events();
    if (shut_rd_) ev |= jn::kEvIn | jn::kEvRdHup;
    return ToEpoll(ev);
  }
  SysResult<int> Available() override { return static_cast<int>(u_->NextSize()); }
  SysResult<long> Ioctl(unsigned long req, long arg) override {
    if (req == SIOCOUTQ) {
      TRY_VOID(UserPtr<int>(arg).Write(0));  // sent at once: nothing queued
      return 0L;
    }
    if (req == SIOCINQ) {
      TRY_VOID(UserPtr<int>(arg).Write(static_cast<int>(u_->NextSize())));
      return 0L;
    }
    return Errno{ENOTTY};
  }

 private:
  std::shared_ptr<jn::UdpSocket> u_;
  bool shut_rd_ = false;
  int tos_ = 0;
  int pmtudisc_ = IP_PMTUDISC_DONT;
};

}  // namespace

SysResult<fs::FilePtr> MakeBypassSocket(int domain, int type, int protocol) {
  if (domain != AF_INET && domain != AF_INET6) return Errno{EAFNOSUPPORT};
  JoinDaemonLinkAfterFork(false);
  jn::NetStack* st = BypassStack();
  if (!st) return Errno{EAFNOSUPPORT};
  int base = type & 0xf;
  int flags = (type & SOCK_NONBLOCK) ? O_NONBLOCK : 0;
  if (base == SOCK_STREAM) {
    if (protocol != 0 && protocol != IPPROTO_TCP) return Errno{EPROTONOSUPPORT};
    auto s = std::make_shared<TcpStream>(domain, st->NewTcpSocket(), flags);
    s->Start();
    return fs::FilePtr(s);
  }
  if (base == SOCK_DGRAM) {
    if (protocol != 0 && protocol != IPPROTO_UDP) return Errno{EPROTONOSUPPORT};
    auto s = std::make_shared<UdpDgram>(domain, st->NewUdpSocket(), flags);
    s->Start();
    return fs::FilePtr(s);
  }
  return Errno{base == SOCK_RAW ? EPERM : ESOCKTNOSUPPORT};
}

}  // namespace junction::libos::net
