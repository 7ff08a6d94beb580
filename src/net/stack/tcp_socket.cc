// The TCP operations a socket performs: bind/listen/connect/accept,
// send/recv with buffer accounting, shutdown and close, readiness and
// TCP_INFO.
#include <algorithm>

#include "net/stack/stack_entry.h"
#include "net/stack/tcp_conn.h"

namespace junction::net {

const char* TcpStateName(TcpState s) {
  static const char* const kNames[] = {"CLOSED",     "LISTEN",     "SYN_SENT",  "SYN_RECEIVED",
                                       "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
                                       "CLOSING",    "LAST_ACK",   "TIME_WAIT"};
  return kNames[static_cast<int>(s)];
}

std::shared_ptr<TcpSocket> NetStack::NewTcpSocket() {
  return std::make_shared<TcpSocket>(this, std::make_shared<TcpConn>(this));
}

bool NetStack::TcpEphemeralFree_l(Ip4 local_ip, uint16_t port, Endpoint remote) const {
  if (tcp_bound_.count(port)) return false;
  return !tcp_conns_.count({Endpoint{local_ip, port}, remote});
}

TcpSocket::TcpSocket(NetStack* s, std::shared_ptr<TcpConn> c) : s_(s), c_(std::move(c)) {}

TcpSocket::~TcpSocket() { Close(); }

namespace {
void Unbind_l(std::multimap<uint16_t, TcpConn*>* bound, TcpConn* c) {
  if (!c->bound) return;
  auto [lo, hi] = bound->equal_range(c->local.port);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == c) {
      bound->erase(it);
      break;
    }
  }
  c->bound = false;
}
}  // namespace

SysResult<void> TcpSocket::Bind(Endpoint local) {
  StackEntry e(s_);
  TcpConn& c = *c_;
  if (c.bound || c.state != TcpState::kClosed || c.orphan) return Errno{EINVAL};
  if (local.ip != 0 && !s_->IsLocal(local.ip)) return Errno{EADDRNOTAVAIL};
  if (local.port == 0) {
    local.port = s_->EphemeralPort_l(kProtoTcp, local.ip, {});
    if (local.port == 0) return Errno{EADDRINUSE};
  } else {
    auto [lo, hi] = s_->tcp_bound_.equal_range(local.port);
    for (auto it = lo; it != hi; ++it) {
      TcpConn* o = it->second;
      bool overlap = local.ip == 0 || o->local.ip == 0 || o->local.ip == local.ip;
      // SO_REUSEADDR on both lets a port be bound again unless one listens.
      if (overlap && !(c.reuse_addr && o->reuse_addr && o->state != TcpState::kListen))
        return Errno{EADDRINUSE};
    }
  }
  c.local = local;
  c.bound = true;
  s_->tcp_bound_.emplace(local.port, &c);
  return {};
}

// Linux's listen(): a backlog above net.core.somaxconn (4096), or negative
// (compared as unsigned), is somaxconn; 0 stays 0 (the queue holds one).
static int ListenBacklog(int backlog) {
  constexpr unsigned kSomaxconn = 4096;
  return static_cast<int>(std::min(static_cast<unsigned>(backlog), kSomaxconn));
}

SysResult<void> TcpSocket::Listen(int backlog) {
  backlog = ListenBacklog(backlog);
  {
    StackEntry e(s_);
    if (c_->state == TcpState::kListen) {
      c_->backlog = backlog;
      return {};
    }
    if (c_->state != TcpState::kClosed || c_->orphan) return Errno{EINVAL};
    if (c_->bound) {
      // Two listeners on one address and port: EADDRINUSE.
      auto [lo, hi] = s_->tcp_listen_.equal_range(c_->local.port);
      for (auto it = lo; it != hi; ++it) {
        Ip4 ip = it->second->local.ip;
        if (ip == 0 || c_->local.ip == 0 || ip == c_->local.ip) return Errno{EADDRINUSE};
      }
    }
  }
  if (!c_->bound) TRY_VOID(Bind(Endpoint{}));
  StackEntry e(s_);
  c_->state = TcpState::kListen;
  c_->backlog = backlog;
  c_->rcv_wscale = ScaleFor(c_->rcvbuf);
  s_->tcp_listen_.emplace(c_->local.port, c_);
  return {};
}

SysResult<void> TcpSocket::Connect(Endpoint remote) {
  StackEntry e(s_);
  TcpConn& c = *c_;
  switch (c.state) {
    case TcpState::kClosed:
      break;
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
      return Errno{EALREADY};
    case TcpState::kListen:
      return Errno{EINVAL};
    default:
      return Errno{EISCONN};
  }
  if (c.error || c.connect_reported || c.orphan) return Errno{EINVAL};  // one attempt per socket
  if (remote.port == 0) return Errno{ECONNREFUSED};
  // INADDR_ANY as a destination means this host, as on Linux.
  if (remote.ip == 0) remote.ip = c.local.ip != 0 ? c.local.ip : MakeIp4(127, 0, 0, 1);
  if (s_->IsBroadcast(remote.ip)) return Errno{ENETUNREACH};
  if (s_->tcp_count_ >= s_->cfg_.max_tcp_conns) {
    s_->c_.tcp_conn_limit_drops++;
    return Errno{EAGAIN};
  }
  Endpoint local = c.local;
  if (local.ip == 0) local.ip = s_->SourceFor(remote.ip);
  if (!c.bound) {
    local.port = s_->EphemeralPort_l(kProtoTcp, local.ip, remote);
    if (local.port == 0) return Errno{EADDRNOTAVAIL};
    c.bound = true;
    s_->tcp_bound_.emplace(local.port, &c);
  }
  if (s_->tcp_conns_.count({local, remote})) return Errno{EADDRNOTAVAIL};
  // Routing problems show at once (no gateway for an outside address).
  bool onlink = s_->IsLocal(remote.ip) || (remote.ip & s_->mask_) == (s_->cfg_.addr & s_->mask_);
  if (!onlink && s_->cfg_.gateway == 0) return Errno{ENETUNREACH};
  c.local = local;
  c.remote = remote;
  c.state = TcpState::kSynSent;
  c.rcv_wscale = ScaleFor(c.rcvbuf);
  c.iss = s_->TcpIsn_l();
  c.snd_una = c.snd_nxt = c.snd_max = c.iss;
  c.rtt_start = s_->now();
  c.registered = true;
  s_->tcp_count_++;
  s_->tcp_conns_[{local, remote}] = c_;
  s_->timed_conns_.insert(&c);
  c.SendSyn();
  return Errno{EINPROGRESS};
}

SysResult<std::shared_ptr<TcpSocket>> TcpSocket::Accept(Endpoint* peer) {
  StackEntry e(s_);
  if (c_->state != TcpState::kListen) return Errno{EINVAL};
  if (c_->accept_q.empty()) return Errno{EAGAIN};
  std::shared_ptr<TcpConn> child = std::move(c_->accept_q.front());
  c_->accept_q.pop_front();
  child->parent.reset();
  child->passive = false;
  if (peer) *peer = child->remote;
  return std::make_shared<TcpSocket>(s_, std::move(child));
}

SysResult<size_t> TcpSocket::Send(std::span<const std::byte> data) {
  StackEntry e(s_);
  TcpConn& c = *c_;
  s_->DecideShared_l(&c);
  if (c.error) {
    int err = c.error;
    c.error = 0;
    return Errno{err};
  }
  switch (c.state) {
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
      break;
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
      return Errno{EAGAIN};  // writable once connected
    case TcpState::kClosed:
      return Errno{c.was_connected ? EPIPE : ENOTCONN};
    case TcpState::kListen:
      return Errno{ENOTCONN};
    default:
      return Errno{EPIPE};
  }
  if (c.fin_queued) return Errno{EPIPE};
  if (data.empty()) return size_t{0};
  size_t space = c.sndbuf > c.sndq.size() ? c.sndbuf - c.sndq.size() : 0;
  size_t mem_left = s_->cfg_.max_socket_mem > s_->sock_mem_ ? s_->cfg_.max_socket_mem - s_->sock_mem_ : 0;
  size_t n = std::min({space, mem_left, data.size()});
  if (n == 0) {
    if (mem_left == 0) s_->c_.tcp_mem_drops++;
    return Errno{EAGAIN};
  }
  c.sndq.Append(data.first(n));
  s_->sock_mem_ += n;
  c.Output();
  return n;
}

SysResult<size_t> TcpSocket::Recv(std::span<std::byte> buf, int flags) {
  StackEntry e(s_);
  TcpConn& c = *c_;
  s_->DecideShared_l(&c);
  if (c.state == TcpState::kListen) return Errno{ENOTCONN};
  if (!c.rcvq.empty() && !buf.empty()) {
    size_t n = std::min(buf.size(), c.rcvq.size());
    c.rcvq.CopyOut(0, buf.first(n));
    if (!(flags & kMsgPeek)) {
      c.rcvq.PopFront(n);
      s_->sock_mem_ -= n;
      // Window update (RFC 1122 4.2.3.3): when reading opened the window by
      // two segments or half the buffer beyond what the peer was told.
      if (c.Synchronized()) {
        uint32_t told = SeqGt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
        uint32_t now_open = c.RcvWindow();
        uint32_t step = std::min<uint32_t>(2u * c.mss, static_cast<uint32_t>(c.rcvbuf / 2));
        if (now_open >= told + step) c.SendAck();
      }
    }
    return n;
  }
  if (buf.empty() && !c.rcvq.empty()) return size_t{0};
  if (c.error) {
    int err = c.error;
    c.error = 0;
    return Errno{err};
  }
  if (c.fin_received || c.shut_rd) return size_t{0};
  if (c.state == TcpState::kClosed) return c.was_connected ? SysResult<size_t>(size_t{0}) : Errno{ENOTCONN};
  if (c.state == TcpState::kSynSent || c.state == TcpState::kSynReceived) return Errno{EAGAIN};
  return Errno{EAGAIN};
}

SysResult<void> TcpSocket::Shutdown(bool rd, bool wr) {
  StackEntry e(s_);
  TcpConn& c = *c_;
  s_->DecideShared_l(&c);
  if (c.state == TcpState::kListen) {
    // shutdown on a listener stops it, as on Linux.
    return Errno{ENOTCONN};
  }
  if (!c.Synchronized() && c.state != TcpState::kSynSent) return Errno{ENOTCONN};
  if (rd) {
    c.shut_rd = true;
    s_->sock_mem_ -= c.rcvq.size();
    c.rcvq.clear();
  }
  if (wr && !c.fin_queued) {
    if (c.state == TcpState::kSynSent) {
      c.Reset(0);
      return {};
    }
    c.fin_queued = true;
    if (c.state == TcpState::kEstablished) c.state = TcpState::kFinWait1;
    else if (c.state == TcpState::kCloseWait) c.state = TcpState::kLastAck;
    c.Output();
  }
  c.Wake();
  return {};
}

void NetStack::TcpClose_l(TcpConn& c) {
  c.orphan = true;
  c.notify = nullptr;
  Unbind_l(&tcp_bound_, &c);
  switch (c.state) {
    case TcpState::kListen: {
      auto [lo, hi] = tcp_listen_.equal_range(c.local.port);
      for (auto it = lo; it != hi; ++it) {
        if (it->second.get() == &c) {
          tcp_listen_.erase(it);
          break;
        }
      }
      for (auto& child : c.accept_q) {
        child->orphan = true;
        child->Abort();
      }
      c.accept_q.clear();
      c.state = TcpState::kClosed;
      break;
    }
    case TcpState::kClosed:
    case TcpState::kSynSent:
      c.CloseDone();
      break;
    default:
      if ((c.linger && c.linger_secs == 0) || !c.rcvq.empty()) {
        // Unread data or an abortive close: reset (RFC 2525 2.17, as Linux).
        sock_mem_ -= c.rcvq.size();
        c.rcvq.clear();
        c.Abort();
        break;
      }
      sock_mem_ -= c.rcvq.size();
      c.rcvq.clear();
      if (!c.fin_queued) {
        c.fin_queued = true;
        if (c.state == TcpState::kEstablished || c.state == TcpState::kSynReceived)
          c.state = TcpState::kFinWait1;
        else if (c.state == TcpState::kCloseWait)
          c.state = TcpState::kLastAck;
        c.Output();
      }
      if (c.state == TcpState::kFinWait2) c.close_at = now_ + TcpParams::kFinWait2Orphan;
  }
}

bool TcpSocket::Close_l() {
  TcpConn& c = *c_;
  c.orphan = true;
  c.notify = nullptr;
  if (c.undecided) {
    // Other processes hold it too: forget this copy, unless it was the
    // last (then it is ours, to close properly).
    if (s_->flow_shares_ && s_->flow_shares_->Release(c.local, c.remote, c.share_gen)) {
      c.undecided = false;
      c.owned = true;
      s_->TakeParked_l(&c);  // (unread data in them: a reset, as for any close)
    } else {
      Unbind_l(&s_->tcp_bound_, &c);
      s_->ForgetShared_l(&c);
      c_.reset();
      return false;
    }
  }
  s_->TcpClose_l(c);
  return true;
}

void TcpSocket::Close() {
  if (!c_) return;
  StackEntry e(s_);
  if (!c_->orphan) Close_l();
  if (c_) c_->notify = nullptr;  // (CloseWatching's)
  c_.reset();
}

void TcpSocket::CloseWatching(std::function<void()> notify) {
  if (!c_) return;
  StackEntry e(s_);
  if (c_->orphan) return;
  if (Close_l()) c_->notify = std::move(notify);
}

bool TcpSocket::FinUnacked() const {
  if (!c_) return false;
  StackEntry e(s_);
  TcpState st = c_->state;
  return st == TcpState::kFinWait1 || st == TcpState::kClosing || st == TcpState::kLastAck;
}

uint32_t TcpSocket::Events() const {
  StackEntry e(s_);
  const TcpConn& c = *c_;
  uint32_t ev = 0;
  if (c.state == TcpState::kListen) return c.accept_q.empty() ? 0 : kEvIn;
  if (c.error) ev |= kEvErr;
  if (!c.rcvq.empty() || c.fin_received || c.shut_rd) ev |= kEvIn;
  if (c.fin_received) ev |= kEvRdHup;
  bool connected = c.state == TcpState::kEstablished || c.state == TcpState::kCloseWait;
  if (connected && c.sndbuf > c.sndq.size() && c.sndbuf - c.sndq.size() >= c.sndbuf / 3)
    ev |= kEvOut;
  if (c.fin_queued && c.state != TcpState::kClosed) ev |= kEvOut;  // writes fail at once
  if (c.state == TcpState::kClosed && (c.was_connected || c.error))
    ev |= kEvHup | kEvIn | kEvOut;
  if (c.fin_received && c.fin_queued) ev |= kEvHup;
  // Undecided (shared by a fork): nothing will arrive until someone
  // claims it, so a waiter must look; a program's poll (NotePolled first)
  // claims it and then sees the real state.
  if (c.undecided) ev |= kEvIn;
  return ev;
}

int TcpSocket::TakeError() {
  StackEntry e(s_);
  int err = c_->error;
  c_->error = 0;
  if (c_->state != TcpState::kSynSent) c_->connect_reported = true;
  return err;
}

Endpoint TcpSocket::local() const {
  StackEntry e(s_);
  return c_->local;
}

SysResult<Endpoint> TcpSocket::peer() const {
  StackEntry e(s_);
  if (!c_->Synchronized() && c_->state != TcpState::kSynReceived) return Errno{ENOTCONN};
  return c_->remote;
}

TcpState TcpSocket::state() const {
  StackEntry e(s_);
  return c_->state;
}

bool TcpSocket::listening() const { return state() == TcpState::kListen; }

bool TcpSocket::undecided() const { return c_->undecided.load(std::memory_order_relaxed); }

void TcpSocket::NotePolled() {
  StackEntry e(s_);
  TcpConn& c = *c_;
  if (!c.undecided) return;
  // Nothing to read yet: the poller waits for the peer, whose segments
  // only the owner takes.
  if (c.rcvq.empty() && !c.fin_received && !c.error) s_->DecideShared_l(&c);
}

void TcpSocket::NoteAccepting() {
  StackEntry e(s_);
  c_->accepting = true;
  c_->delegated = false;
}

size_t TcpSocket::Readable() const {
  StackEntry e(s_);
  return c_->rcvq.size();
}

size_t TcpSocket::Unsent() const {
  StackEntry e(s_);
  return c_->sndq.size();
}

TcpInfo TcpSocket::Info() const {
  StackEntry e(s_);
  const TcpConn& c = *c_;
  TcpInfo i;
  i.state = c.state;
  i.rto_us = static_cast<uint32_t>(c.rto / 1000);
  i.ato_us = static_cast<uint32_t>(TcpParams::kDelAck / 1000);
  i.snd_mss = c.mss;
  i.rcv_mss = c.mss;
  i.advmss = static_cast<uint32_t>(s_->mtu_ - 40);
  i.unacked = c.mss ? (c.Flight() + c.mss - 1) / c.mss : 0;
  for (auto& [l, r] : c.sacked) i.sacked += c.mss ? (r - l + c.mss - 1) / c.mss : 0;
  i.retrans = c.retries;
  i.total_retrans = c.total_retrans;
  i.rtt_us = static_cast<uint32_t>(c.srtt / 1000);
  i.rttvar_us = static_cast<uint32_t>(c.rttvar / 1000);
  i.snd_ssthresh = c.ssthresh == UINT32_MAX ? 0x7fffffff : c.ssthresh / std::max<uint32_t>(c.mss, 1);
  i.snd_cwnd = c.cwnd / std::max<uint32_t>(c.mss, 1);
  i.rcv_space = static_cast<uint32_t>(c.rcvbuf);
  i.snd_wnd = c.snd_wnd;
  i.snd_wscale = c.snd_wscale;
  i.rcv_wscale = c.rcv_wscale;
  i.ts = c.ts_ok;
  i.sack = c.sack_ok;
  i.wscale = c.ws_ok;
  i.bytes_acked = c.bytes_acked;
  i.bytes_received = c.bytes_received;
  return i;
}

void TcpSocket::set_notify(std::function<void()> fn) {
  StackEntry e(s_);
  c_->notify = std::move(fn);
}

void TcpSocket::set_nodelay(bool v) {
  StackEntry e(s_);
  c_->nodelay = v;
  if (v) c_->Output();  // TCP_NODELAY pushes what Nagle held back
}

bool TcpSocket::nodelay() const {
  StackEntry e(s_);
  return c_->nodelay;
}

bool TcpSocket::set_congestion(std::string_view name) {
  StackEntry e(s_);
  CongestionAlgo a;
  if (!CongestionByName(name, &a)) return false;
  if (a != c_->cc.algo) {
    c_->cc = CongestionControl{};  // the new algorithm starts without history
    c_->cc.algo = a;
  }
  return true;
}

std::string_view TcpSocket::congestion() const {
  StackEntry e(s_);
  return CongestionName(c_->cc.algo);
}

void TcpSocket::set_keepalive(bool v, uint32_t idle_s, uint32_t intvl_s, uint32_t cnt) {
  StackEntry e(s_);
  TcpConn& c = *c_;
  c.keepalive = v;
  if (idle_s) c.ka_idle = uint64_t{idle_s} * 1'000'000'000;
  if (intvl_s) c.ka_intvl = uint64_t{intvl_s} * 1'000'000'000;
  if (cnt) c.ka_cnt = cnt;
  c.keepalive_at = v && c.state == TcpState::kEstablished ? s_->now() + c.ka_idle : 0;
}

bool TcpSocket::keepalive() const {
  StackEntry e(s_);
  return c_->keepalive;
}

void TcpSocket::set_reuse_addr(bool v) {
  StackEntry e(s_);
  c_->reuse_addr = v;
}

void TcpSocket::set_rcvbuf(size_t v) {
  StackEntry e(s_);
  c_->rcvbuf = std::max<size_t>(v, 2048);
}

void TcpSocket::set_sndbuf(size_t v) {
  StackEntry e(s_);
  c_->sndbuf = std::max<size_t>(v, 4096);
}

size_t TcpSocket::rcvbuf() const {
  StackEntry e(s_);
  return c_->rcvbuf;
}

size_t TcpSocket::sndbuf() const {
  StackEntry e(s_);
  return c_->sndbuf;
}

void TcpSocket::set_linger(bool on, int secs) {
  StackEntry e(s_);
  c_->linger = on;
  c_->linger_secs = secs;
}

}  // namespace junction::net
