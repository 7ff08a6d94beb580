// Connections that outlive their process (docs/network.md "Connections
// outliving their process"): at exit the process closes what its program
// left open and encodes the connections still closing; the daemon's
// orphan stack for its address decodes them and finishes each close
// (data, FIN, retransmissions, timeouts, resets) with the same TCP code.
//
// The encoding is little-endian, versioned, and untrusted on the way in:
// the daemon refuses a record whose numbers could not come from a real
// connection, so a container can only spoil its own connections.
#include <algorithm>
#include <cstring>

#include "net/stack/stack_entry.h"
#include "net/stack/tcp_conn.h"

namespace junction::net {

namespace {

constexpr uint32_t kMagic = 0x4a544f31;  // "JTO1"
// At most this much unsent or unacknowledged data per connection (Linux's
// largest send buffer is 4 MiB by default; ours may be set higher).
constexpr uint32_t kMaxSendBytes = 32u << 20;
constexpr size_t kMaxRecords = 65536;

enum Flag : uint16_t {
  kFinQueued = 1, kFinSent = 2, kFinReceived = 4, kWsOk = 8, kTsOk = 16, kSackOk = 32,
  kNodelay = 64, kRttValid = 128, kHaveMac = 256,
};

class Writer {
 public:
  explicit Writer(std::vector<std::byte>* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(std::byte{v}); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void Bytes(const ByteQueue& q) {
    auto [a, b] = q.Range(0, q.size());
    out_->insert(out_->end(), a.begin(), a.end());
    out_->insert(out_->end(), b.begin(), b.end());
  }

 private:
  void Le(uint64_t v, int n) {
    for (int i = 0; i < n; i++) out_->push_back(std::byte{static_cast<uint8_t>(v >> (8 * i))});
  }
  std::vector<std::byte>* out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}
  bool ok() const { return ok_; }
  uint8_t U8() { return static_cast<uint8_t>(Le(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Le(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Le(4)); }
  uint64_t U64() { return Le(8); }
  std::span<const std::byte> Bytes(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  uint64_t Le(int n) {
    auto b = Bytes(static_cast<size_t>(n));
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); i++) v |= uint64_t{static_cast<uint8_t>(b[i])} << (8 * i);
    return v;
  }
  std::span<const std::byte> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

bool Closing(TcpState s) {
  return s == TcpState::kFinWait1 || s == TcpState::kFinWait2 || s == TcpState::kClosing ||
         s == TcpState::kLastAck;
}

uint64_t Left(uint64_t at, uint64_t now) { return at == 0 ? 0 : at > now ? at - now : 1; }

}  // namespace

size_t NetStack::tcp_connections() const {
  StackEntry e(this);
  return tcp_conns_.size();
}

bool NetStack::HasTcpConnection(Endpoint local, Endpoint remote) const {
  StackEntry e(this);
  return tcp_conns_.count({local, remote}) != 0;
}

void NetStack::ForgetTimeWait() {
  StackEntry e(this);
  std::vector<std::shared_ptr<TcpConn>> tw;
  for (auto& [key, c] : tcp_conns_)
    if (c->state == TcpState::kTimeWait) tw.push_back(c);
  for (auto& c : tw) c->CloseDone();
}

bool NetStack::HandOverOrigin(std::span<const std::byte> records, StackConfig* cfg,
                              uint16_t* mtu) {
  Reader r(records);
  if (r.U32() != kMagic) return false;
  cfg->addr = r.U32();
  cfg->prefix = r.U8();
  cfg->gateway = r.U32();
  *mtu = r.U16();
  return r.ok() && cfg->prefix <= 32 && *mtu >= 576 && *mtu <= 9000;
}

bool NetStack::HandOverAtExit(uint64_t spins, std::vector<std::byte>* out) {
  uint64_t now = cfg_.clock();
  if (!ForkLock(spins)) return false;
  now_ = std::max(now_, now);
  // What the program still holds, closed as close() would: listeners first
  // (they reset the connections nobody accepted), then the connections.
  std::vector<std::shared_ptr<TcpConn>> open;
  for (auto& [port, l] : tcp_listen_)
    if (!l->orphan) open.push_back(l);
  for (auto& l : open) TcpClose_l(*l);
  open.clear();
  for (auto& [key, c] : tcp_conns_)
    if (!c->orphan && !c->undecided && !IsLocal(c->remote.ip)) open.push_back(c);
  for (auto& c : open) {
    if (!c->registered || c->orphan) continue;  // (a listener's child, reset above)
    if (c->state == TcpState::kSynReceived && c->passive) c->CloseDone();  // never accepted: dropped
    else TcpClose_l(*c);
  }
  open.clear();
  for (auto& [key, c] : tcp_conns_)
    if (!c->undecided && !IsLocal(c->remote.ip) && Closing(c->state)) open.push_back(c);
  if (!open.empty()) EncodeHandOver_l(open, out);
  // The connections' last segments (FINs, resets) go out now. The lock
  // stays taken: these connections are the daemon's, and a segment for
  // one must not meet this stack (it would reset it) before the exit.
  DrainLoopback_l();
  link_->Flush();
  return true;
}

void NetStack::EncodeHandOver_l(const std::vector<std::shared_ptr<TcpConn>>& open,
                                std::vector<std::byte>* out) {
  Writer w(out);
  w.U32(kMagic);
  w.U32(cfg_.addr);
  w.U8(static_cast<uint8_t>(cfg_.prefix));
  w.U32(cfg_.gateway);
  w.U16(mtu_);
  w.U32(static_cast<uint32_t>(open.size()));
  for (auto& c : open) {
    w.U8(static_cast<uint8_t>(c->state));
    w.U16(c->local.port);
    w.U32(c->remote.ip);
    w.U16(c->remote.port);
    std::optional<MacAddr> mac = arp_.Known(NextHop(c->remote.ip));
    for (uint8_t b : mac.value_or(MacAddr{}).b) w.U8(b);
    uint16_t flags = (c->fin_queued ? kFinQueued : 0) | (c->fin_sent ? kFinSent : 0) |
                     (c->fin_received ? kFinReceived : 0) | (c->ws_ok ? kWsOk : 0) |
                     (c->ts_ok ? kTsOk : 0) | (c->sack_ok ? kSackOk : 0) |
                     (c->nodelay ? kNodelay : 0) | (c->rtt_valid ? kRttValid : 0) |
                     (mac ? kHaveMac : 0);
    w.U16(flags);
    for (uint32_t v : {c->iss, c->snd_una, c->snd_nxt, c->snd_max, c->snd_wl1, c->snd_wl2,
                       c->snd_wnd})
      w.U32(v);
    w.U8(c->snd_wscale);
    w.U8(c->rcv_wscale);
    w.U16(c->peer_mss);
    w.U16(c->mss);
    for (uint32_t v : {c->irs, c->rcv_nxt, c->rcv_adv, c->ts_recent, c->TsNow()}) w.U32(v);
    for (uint64_t v : {c->srtt, c->rttvar, c->rto}) w.U64(v);
    w.U32(static_cast<uint32_t>(c->retries));
    w.U32(c->cwnd);
    w.U32(c->ssthresh);
    w.U64(Left(c->rto_at, now_));
    w.U64(Left(c->close_at, now_));
    w.U32(c->total_retrans);
    w.U32(static_cast<uint32_t>(c->sndq.size()));
    w.Bytes(c->sndq);
    c_.tcp_handed_over++;
    // The daemon's now: this copy goes quietly (the process is leaving).
    c->orphan = true;
    c->CloseDone();
  }
}

int NetStack::AdoptHandedOver(std::span<const std::byte> records) {
  StackEntry e(this);
  Reader r(records);
  if (r.U32() != kMagic || r.U32() != cfg_.addr) return -1;
  r.U8();   // prefix, gateway and MTU: the daemon made this stack with them
  r.U32();
  r.U16();
  uint32_t count = r.U32();
  if (!r.ok() || count > kMaxRecords) return -1;
  // Decode everything first: a malformed message is refused whole.
  std::vector<std::shared_ptr<TcpConn>> conns;
  std::vector<std::optional<MacAddr>> macs;
  for (uint32_t i = 0; i < count; i++) {
    auto c = std::make_shared<TcpConn>(this);
    c->state = static_cast<TcpState>(r.U8());
    c->local = Endpoint{cfg_.addr, r.U16()};
    c->remote.ip = r.U32();
    c->remote.port = r.U16();
    MacAddr mac;
    for (uint8_t& b : mac.b) b = r.U8();
    uint16_t flags = r.U16();
    for (uint32_t* v : {&c->iss, &c->snd_una, &c->snd_nxt, &c->snd_max, &c->snd_wl1, &c->snd_wl2,
                        &c->snd_wnd})
      *v = r.U32();
    c->snd_wscale = r.U8();
    c->rcv_wscale = r.U8();
    c->peer_mss = r.U16();
    c->mss = r.U16();
    c->irs = r.U32();
    c->rcv_nxt = r.U32();
    c->rcv_adv = r.U32();
    c->ts_recent = r.U32();
    uint32_t ts_val = r.U32();
    c->srtt = r.U64();
    c->rttvar = r.U64();
    c->rto = r.U64();
    uint32_t retries = r.U32();
    c->cwnd = r.U32();
    c->ssthresh = r.U32();
    uint64_t rto_in = r.U64(), close_in = r.U64();
    c->total_retrans = r.U32();
    uint32_t len = r.U32();
    if (!r.ok() || len > kMaxSendBytes) return -1;
    auto data = r.Bytes(len);
    if (!r.ok()) return -1;
    c->fin_queued = flags & kFinQueued;
    c->fin_sent = flags & kFinSent;
    c->fin_received = flags & kFinReceived;
    c->ws_ok = flags & kWsOk;
    c->ts_ok = flags & kTsOk;
    c->sack_ok = flags & kSackOk;
    c->nodelay = flags & kNodelay;
    c->rtt_valid = flags & kRttValid;
    // What a real closing connection has: a FIN queued after its data,
    // sequence numbers in order and within the data (and its FIN), sane
    // options and a live peer address. In FIN-WAIT-2 all of it was
    // acknowledged: nothing left, snd_una past the FIN.
    uint32_t end = c->snd_una + len + (c->fin_sent && c->state != TcpState::kFinWait2 ? 1 : 0);
    bool sane = Closing(c->state) && c->fin_queued && c->local.port != 0 &&
                c->remote.port != 0 && !IsLocal(c->remote.ip) && !IsBroadcast(c->remote.ip) &&
                c->remote.ip != 0 && (c->remote.ip >> 28) != 14 && NextHop(c->remote.ip) != 0 &&
                SeqLe(c->snd_una, c->snd_nxt) && SeqLe(c->snd_nxt, c->snd_max) &&
                SeqLe(c->snd_max, end) && c->snd_wscale <= 14 && c->rcv_wscale <= 14 &&
                c->mss >= 64 && c->peer_mss >= 64 && retries <= TcpParams::kDataRetries &&
                (c->state != TcpState::kFinWait2 || (len == 0 && c->fin_sent && c->snd_una == c->snd_max));
    if (!sane) {
      c_.tcp_adopt_refused++;
      return -1;
    }
    c->mss = std::min<uint16_t>(c->mss, static_cast<uint16_t>(mtu_ - 40));
    c->peer_mss = std::min(c->peer_mss, c->mss);
    c->retries = std::min(static_cast<int>(retries), TcpParams::kOrphanRetries);
    c->rto = std::clamp(c->rto, TcpParams::kMinRto, TcpParams::kMaxRto);
    c->srtt = std::min(c->srtt, TcpParams::kMaxRto);
    c->rttvar = std::min(c->rttvar, TcpParams::kMaxRto);
    c->cwnd = std::clamp<uint32_t>(c->cwnd, c->mss, kMaxSendBytes);
    c->ssthresh = std::max<uint32_t>(c->ssthresh, 2u * c->mss);
    c->ts_offset = ts_val - static_cast<uint32_t>(now_ / TcpParams::kMs);
    c->sndq.Assign(data);
    c->rto_at = std::min(rto_in, TcpParams::kMaxRto);
    c->close_at = std::min(close_in, TcpParams::kFinWait2Orphan);
    c->orphan = true;
    c->was_connected = true;
    conns.push_back(std::move(c));
    macs.push_back(flags & kHaveMac ? std::optional<MacAddr>(mac) : std::nullopt);
  }
  int taken = 0;
  for (size_t i = 0; i < conns.size(); i++) {
    std::shared_ptr<TcpConn>& c = conns[i];
    std::pair<Endpoint, Endpoint> key{c->local, c->remote};
    if (tcp_conns_.count(key)) {  // the same connection twice: the first stays
      c_.tcp_adopt_refused++;
      continue;
    }
    if (macs[i]) arp_.Update(NextHop(c->remote.ip), *macs[i], now_, true);
    // Over the limits: reset, as Linux does with too many orphans.
    if (tcp_count_ >= cfg_.max_tcp_conns || sock_mem_ + c->sndq.size() > cfg_.max_socket_mem) {
      c_.tcp_adopt_refused++;
      TcpSendRst_l(c->local, c->remote, c->snd_max, c->rcv_nxt, true);
      continue;
    }
    sock_mem_ += c->sndq.size();
    c->registered = true;
    tcp_count_++;
    tcp_conns_[key] = c;
    timed_conns_.insert(c.get());
    // Its timers carry on from where the process left them; one that was
    // not armed while something is unacknowledged starts now.
    uint64_t rto_in = c->rto_at;
    c->rto_at = rto_in ? now_ + rto_in : (c->snd_max != c->snd_una ? now_ + c->rto : 0);
    c->close_at = c->close_at ? now_ + c->close_at
                              : (c->state == TcpState::kFinWait2 ? now_ + TcpParams::kFinWait2Orphan : 0);
    c_.tcp_adopted++;
    taken++;
    c->Output();  // what the window allows and the process could not send yet
  }
  return taken;
}

}  // namespace junction::net
