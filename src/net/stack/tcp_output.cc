// TCP output: segment construction with options, the send loop (congestion
// window, peer window, Nagle, FIN), retransmission of the first hole, and
// resets for segments nobody owns.
#include <algorithm>
#include <cstring>

#include "net/stack/tcp_conn.h"

namespace junction::net {

namespace {
constexpr uint8_t kOptNop = 1, kOptMss = 2, kOptWs = 3, kOptSackPerm = 4, kOptSack = 5,
                  kOptTs = 8;

// Appends the checksum and hands the segment to IPv4.
void Finish(NetStack* s, int (NetStack::*send)(Ip4, Ip4, uint8_t, std::span<const std::byte>, bool),
            Endpoint local, Endpoint remote, std::vector<std::byte>& seg) {
  uint32_t sum = PseudoHeaderSum(local.ip, remote.ip, kProtoTcp, static_cast<uint16_t>(seg.size()));
  Store16(&seg[16], ChecksumFinish(ChecksumPartial(seg, sum)));
  (s->*send)(local.ip, remote.ip, kProtoTcp, seg, true);
}
}  // namespace

uint32_t TcpConn::TsNow() const {
  return static_cast<uint32_t>(s->now() / TcpParams::kMs) + ts_offset;
}

// SACK blocks we report (RFC 2018 4: up to 3 beside timestamps, else 4):
// the out-of-order segments, merged where adjacent.
static std::vector<std::pair<uint32_t, uint32_t>> SackBlocks(const TcpConn& c) {
  std::vector<std::pair<uint32_t, uint32_t>> blocks;
  for (auto& [sq, d] : c.ooo) {
    uint32_t end = sq + static_cast<uint32_t>(d.size());
    if (!blocks.empty() && blocks.back().second == sq) blocks.back().second = end;
    else blocks.emplace_back(sq, end);
  }
  blocks.resize(std::min<size_t>(blocks.size(), c.ts_ok ? 3 : 4));
  return blocks;
}

static size_t SackOptionBytes(size_t blocks) { return blocks ? 4 + 8 * blocks : 0; }

uint32_t TcpConn::SegmentMss() const {
  if (!sack_ok || ooo.empty()) return mss;
  uint32_t opt = static_cast<uint32_t>(SackOptionBytes(SackBlocks(*this).size()));
  return mss > opt + 64 ? mss - opt : 64;
}

uint32_t TcpConn::RcvWindow() const {
  size_t used = rcvq.size() + ooo_bytes;
  size_t space = used >= rcvbuf ? 0 : rcvbuf - used;
  // Receiver silly-window avoidance (RFC 9293 3.8.6.2.2): no window smaller
  // than a segment unless it is the whole buffer.
  if (space < std::min<size_t>(mss, rcvbuf / 2)) space = 0;
  space = std::min<size_t>(space, size_t{65535} << rcv_wscale);
  // Never shrink what we already offered.
  uint32_t offered = SeqGt(rcv_adv, rcv_nxt) ? rcv_adv - rcv_nxt : 0;
  return std::max<uint32_t>(static_cast<uint32_t>(space), offered);
}

void TcpConn::SendSegment(uint32_t seq, uint8_t flags, size_t data_off, size_t len) {
  if (undecided) return;  // shared by a fork, unclaimed: silent
  // The header and at most 40 bytes of options, written in place (a copy
  // of its variable length took a slow `rep movs`), trimmed to hlen below.
  constexpr size_t kMaxHeader = kTcpHeaderLen + 40;
  std::vector<std::byte>& seg = s->tcp_segment_;
  seg.clear();
  seg.resize(kMaxHeader);
  std::byte* h = seg.data();
  size_t hlen = kTcpHeaderLen;
  auto put8 = [&](uint8_t v) { h[hlen++] = std::byte{v}; };
  auto put16 = [&](uint16_t v) { put8(static_cast<uint8_t>(v >> 8)); put8(static_cast<uint8_t>(v)); };
  auto put32 = [&](uint32_t v) { put16(static_cast<uint16_t>(v >> 16)); put16(static_cast<uint16_t>(v)); };
  bool syn = flags & tcpf::kSyn;
  bool passive_syn = syn && (flags & tcpf::kAck);
  if (syn) {
    put8(kOptMss); put8(4); put16(static_cast<uint16_t>(s->mtu_ - kIp4HeaderLen - kTcpHeaderLen));
    if (!passive_syn || sack_ok) { put8(kOptNop); put8(kOptNop); put8(kOptSackPerm); put8(2); }
    if (!passive_syn || ts_ok) {
      put8(kOptNop); put8(kOptNop); put8(kOptTs); put8(10); put32(syn_tsval.value_or(TsNow()));
      put32(ts_recent);
    }
    if (!passive_syn || ws_ok) { put8(kOptNop); put8(kOptWs); put8(3); put8(rcv_wscale); }
  } else {
    if (ts_ok) {
      put8(kOptNop); put8(kOptNop); put8(kOptTs); put8(10); put32(TsNow()); put32(ts_recent);
    }
    if (sack_ok && !ooo.empty() && (flags & tcpf::kAck)) {
      // Most recent data first is optional (RFC 2018 4); we report the
      // lowest holes first. Only as many blocks as fit beside the data:
      // a segment over the MTU (DF set) would be lost every time.
      std::vector<std::pair<uint32_t, uint32_t>> blocks = SackBlocks(*this);
      size_t room = s->mtu_ - kIp4HeaderLen - kTcpHeaderLen;
      room = room > hlen - kTcpHeaderLen + len ? room - (hlen - kTcpHeaderLen + len) : 0;
      room = std::min(room, kMaxHeader - hlen);
      size_t n = blocks.size();
      while (n > 0 && SackOptionBytes(n) > room) n--;
      if (n > 0) {
        put8(kOptNop); put8(kOptNop); put8(kOptSack); put8(static_cast<uint8_t>(2 + 8 * n));
        for (size_t i = 0; i < n; ++i) { put32(blocks[i].first); put32(blocks[i].second); }
      }
    }
  }
  Store16(&h[0], local.port);
  Store16(&h[2], remote.port);
  Store32(&h[4], seq);
  Store32(&h[8], (flags & tcpf::kAck) ? rcv_nxt : 0);
  h[12] = std::byte(static_cast<uint8_t>((hlen / 4) << 4));
  h[13] = std::byte{flags};
  uint32_t wnd = RcvWindow();
  uint16_t wfield = syn ? static_cast<uint16_t>(std::min<uint32_t>(wnd, 65535))
                        : static_cast<uint16_t>(std::min<uint32_t>(wnd >> rcv_wscale, 65535));
  Store16(&h[14], wfield);
  if (flags & tcpf::kAck) {
    uint32_t edge = rcv_nxt + (syn ? wfield : (uint32_t{wfield} << rcv_wscale));
    if (SeqGt(edge, rcv_adv)) rcv_adv = edge;
    ack_now = false;
    delack_at = 0;
    unacked_segs = 0;
  }
  seg.resize(hlen);
  auto [first, second] = sndq.Range(data_off, len);
  seg.insert(seg.end(), first.begin(), first.end());
  seg.insert(seg.end(), second.begin(), second.end());
  s->c_.tcp_out++;
  Finish(s, &NetStack::SendIp4_l, local, remote, seg);
}

void TcpConn::SendSyn() {
  SendSegment(iss, state == TcpState::kSynReceived ? (tcpf::kSyn | tcpf::kAck) : tcpf::kSyn, 0, 0);
  snd_nxt = iss + 1;
  if (SeqGt(snd_nxt, snd_max)) snd_max = snd_nxt;
  ArmRto();
}

void TcpConn::ArmRto() {
  if (rto_at == 0) rto_at = s->now() + rto;
}

// Sequence number right after the last data byte queued.
static uint32_t DataEnd(const TcpConn& c) {
  return c.snd_una + static_cast<uint32_t>(c.sndq.size());
}

void TcpConn::Output() {
  if (!Synchronized() && state != TcpState::kSynReceived) return;
  if (state == TcpState::kSynReceived) {
    if (ack_now) SendSegment(snd_nxt, tcpf::kAck, 0, 0);
    return;
  }
  // Our FIN was acknowledged (FIN-WAIT-2, TIME-WAIT): snd_una is past it
  // and the queue empty, so the loop below would take it for unsent and
  // send a second FIN one beyond (which a handover then refused).
  if (fin_sent && snd_una == snd_max) {
    if (ack_now) SendAck();
    return;
  }
  bool sent = false;
  for (;;) {
    uint32_t end = DataEnd(*this);
    if (SeqGt(snd_nxt, end)) break;  // FIN already sent
    size_t off = snd_nxt - snd_una;
    size_t avail = sndq.size() - off;
    uint32_t wnd = std::min<uint32_t>(cwnd, snd_wnd);
    uint32_t inflight = snd_nxt - snd_una;
    size_t usable = wnd > inflight ? wnd - inflight : 0;
    uint32_t seg_mss = SegmentMss();
    size_t len = std::min<size_t>({avail, usable, seg_mss});
    bool fin = fin_queued && off + len == sndq.size();
    if (len == 0 && !fin) {
      if (avail > 0 && snd_wnd == 0 && Flight() == 0 && persist_at == 0) {
        persist_at = s->now() + std::max(rto, TcpParams::kMinRto);  // zero-window probe
      }
      break;
    }
    // Sender silly-window avoidance: a runt cut short by the window waits
    // for the ACK that opens it, when one is coming. Counted from snd_nxt:
    // after a timeout rewound it, the lost runt itself must go again (it
    // is not in flight; waiting for its ACK stalled the connection).
    if (len < seg_mss && len < avail && inflight > 0) break;
    // Nagle (RFC 896): a small segment waits while data is unacknowledged.
    if (len < seg_mss && !fin && !nodelay && Flight() > 0 && snd_nxt == snd_max) break;
    uint8_t flags = tcpf::kAck;
    if (len && off + len == sndq.size()) flags |= tcpf::kPsh;
    if (fin) flags |= tcpf::kFin;
    bool retrans = SeqLt(snd_nxt, snd_max);
    if (retrans) {
      total_retrans++;
      s->c_.tcp_retransmits++;
    } else if (!ts_ok && !rtt_timing && len) {
      rtt_timing = true;
      rtt_seq = snd_nxt;
      rtt_start = s->now();
    }
    SendSegment(snd_nxt, flags, off, len);
    sent = true;
    snd_nxt += static_cast<uint32_t>(len) + (fin ? 1 : 0);
    if (fin) fin_sent = true;
    if (SeqGt(snd_nxt, snd_max)) snd_max = snd_nxt;
    ArmRto();
    if (fin) break;
  }
  if (sent) ArmTlp();
  if (!sent && ack_now) SendAck();
}

void TcpConn::Retransmit() {
  if (state == TcpState::kSynSent || state == TcpState::kSynReceived) {
    total_retrans++;
    s->c_.tcp_retransmits++;
    SendSyn();
    return;
  }
  // The first byte at or above snd_una the peer has not SACKed.
  uint32_t seq = snd_una;
  for (auto& [l, r] : sacked) {
    if (SeqLe(l, seq) && SeqGt(r, seq)) seq = r;
  }
  uint32_t end = DataEnd(*this);
  size_t len = 0;
  if (SeqLt(seq, end)) {
    len = std::min<size_t>(SegmentMss(), end - seq);
    auto next = sacked.upper_bound(seq);
    if (next != sacked.end() && SeqLt(next->first, seq + len)) len = next->first - seq;
  }
  bool fin = fin_sent && seq + len == end && SeqGt(snd_max, end);
  if (len == 0 && !fin) return;
  total_retrans++;
  s->c_.tcp_retransmits++;
  rtt_timing = false;  // Karn: no sample from a retransmitted segment
  SendSegment(seq, tcpf::kAck | (fin ? tcpf::kFin : 0), seq - snd_una, len);
  ArmRto();
}

// Tail loss probe (RFC 8985 7): two smoothed RTTs without an ACK send one
// probe instead of waiting for the retransmission timer (200 ms or more).
// Linux delays its ACKs up to 200 ms while its reader lags (an ACK would
// shrink its window), so a burst it received whole often went unacked
// until our timer fired: a spurious timeout that also cut cwnd to one
// segment. Only with an RTT sample, outside recovery and timeouts, one
// probe per flight.
void TcpConn::ArmTlp() {
  tlp_at = 0;
  if (!rtt_valid || tlp_out || in_recovery || retries || Flight() == 0 || !Synchronized() ||
      SeqLt(snd_nxt, snd_max))
    return;
  uint64_t pto = 2 * srtt;
  if (Flight() <= mss) pto = std::max(pto, srtt + srtt / 2 + TcpParams::kWorstDelAck);
  pto = std::max(pto, TcpParams::kMinPto);
  uint64_t at = s->now() + pto;
  if (rto_at && at >= rto_at) return;  // the timer comes first anyway
  tlp_at = at;
}

// The probe resends the last segment sent rather than new data (RFC 8985
// prefers new data): a duplicate makes Linux answer at once (with a
// D-SACK), where a new segment may meet the same delayed ACK.
void TcpConn::SendTlp() {
  if (Flight() == 0 || in_recovery || retries || SeqLt(snd_nxt, snd_max)) return;
  // The last data sent ends at snd_max (less our FIN); more may be queued.
  uint32_t data_end = DataEnd(*this);
  bool fin = fin_sent && SeqGt(snd_max, data_end);
  uint32_t end = fin ? data_end : snd_max;
  uint32_t len = std::min<uint32_t>(SegmentMss(), end - snd_una);
  uint32_t seq = end - len;
  if (len == 0 && !fin) return;
  tlp_out = true;
  total_retrans++;
  s->c_.tcp_retransmits++;
  s->c_.tcp_loss_probes++;
  rtt_timing = false;  // Karn: no sample from a retransmitted segment
  SendSegment(seq, tcpf::kAck | (fin ? tcpf::kFin : 0), seq - snd_una, len);
  ArmRto();
}

void NetStack::TcpSendRst_l(Endpoint local, Endpoint remote, uint32_t seq, uint32_t ack,
                            bool with_ack) {
  std::vector<std::byte> seg(kTcpHeaderLen);
  Store16(&seg[0], local.port);
  Store16(&seg[2], remote.port);
  Store32(&seg[4], seq);
  Store32(&seg[8], with_ack ? ack : 0);
  seg[12] = std::byte{0x50};
  seg[13] = std::byte(tcpf::kRst | (with_ack ? tcpf::kAck : 0));
  c_.tcp_rst_out++;
  c_.tcp_out++;
  Finish(this, &NetStack::SendIp4_l, local, remote, seg);
}

}  // namespace junction::net
