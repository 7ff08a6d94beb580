// TCP input (RFC 9293 3.10.7): demultiplexing, LISTEN and SYN-SENT
// processing, the sequence and RST/SYN checks of RFC 5961, ACK processing
// with RTT sampling (RFC 6298), NewReno congestion control (RFC 5681,
// RFC 6582) with SACK-aware retransmission, and data/FIN delivery with
// out-of-order reassembly and delayed ACKs.
#include <algorithm>
#include <cstring>

#include "net/stack/syncookie.h"
#include "net/stack/tcp_conn.h"
#include "net/stack/tcp_options.h"

namespace junction::net {

void NetStack::TcpInput_l(Ip4 src, Ip4 dst, std::span<const std::byte> p) {
  if (p.size() < kTcpHeaderLen) {
    c_.tcp_bad++;
    return;
  }
  size_t doff = (std::to_integer<uint8_t>(p[12]) >> 4) * 4u;
  if (doff < kTcpHeaderLen || doff > p.size() ||
      ChecksumFinish(ChecksumPartial(
          p, PseudoHeaderSum(src, dst, kProtoTcp, static_cast<uint16_t>(p.size())))) != 0) {
    c_.tcp_bad++;
    return;
  }
  c_.tcp_in++;
  Endpoint local{dst, Load16(&p[2])}, remote{src, Load16(&p[0])};
  uint32_t seq = Load32(&p[4]), ack = Load32(&p[8]);
  uint8_t flags = std::to_integer<uint8_t>(p[13]) & 0x3f;
  uint32_t wnd = Load16(&p[14]);
  auto opts = p.subspan(kTcpHeaderLen, doff - kTcpHeaderLen);
  auto data = p.subspan(doff);
  if (remote.port == 0 || local.port == 0) {
    c_.tcp_bad++;
    return;
  }
  std::shared_ptr<TcpConn> listener;
  std::optional<uint32_t> iss;
  auto it = tcp_conns_.find({local, remote});
  if (it != tcp_conns_.end()) {
    std::shared_ptr<TcpConn> c = it->second;  // keeps it alive if it closes
    if (c->undecided) {  // for the process that claims it
      ParkOrDrop_l(local, remote, p);
      return;
    }
    if (!TcpTimeWaitTakesSyn_l(*c, seq, flags, opts) || !(listener = TcpListenerFor_l(local))) {
      c->Input(seq, ack, flags, wnd, opts, data);
      return;
    }
    // A new SYN for a 4-tuple in TIME-WAIT (a client reusing its port) ends
    // the TIME-WAIT and goes to the listener, as on Linux (RFC 6191): a
    // challenge ACK instead cost the client a reset and a 1 s SYN timeout.
    // Our new ISN lies beyond anything the old connection sent.
    iss = c->snd_max + 65535 + 2;
    c->CloseDone();
  }
  // A connection another process took after a fork (its segments may
  // still come here until it claims it): theirs, not a stranger's.
  if (flow_shares_ && !(flags & tcpf::kSyn) && flow_shares_->Held(local, remote)) {
    ParkOrDrop_l(local, remote, p);
    return;
  }
  if (!listener) listener = TcpListenerFor_l(local);
  if (listener) {
    TcpListenInput_l(listener, local, remote, seq, ack, flags, wnd, opts, data, iss);
    return;
  }
  // CLOSED (RFC 9293 3.10.7.1): answer anything but a reset with a reset.
  if (flags & tcpf::kRst) return;
  if (flags & tcpf::kAck) {
    TcpSendRst_l(local, remote, ack, 0, false);
  } else {
    uint32_t len = static_cast<uint32_t>(data.size()) + ((flags & tcpf::kSyn) ? 1 : 0) +
                   ((flags & tcpf::kFin) ? 1 : 0);
    TcpSendRst_l(local, remote, 0, seq + len, true);
  }
}

uint32_t NetStack::TcpIsn_l() {
  // RFC 6528: a clock-driven counter plus a secret-keyed offset.
  if (cfg_.tcp_isn) return cfg_.tcp_isn();
  return static_cast<uint32_t>(now_ / 4000) + static_cast<uint32_t>(NextRandom());
}

void TcpConn::ApplySynOptions(const TcpOptions& o, uint16_t our_mss) {
  peer_mss = o.mss.value_or(536);
  if (peer_mss < 64) peer_mss = 64;  // garbage MSS must not stall us
  ws_ok = o.wscale.has_value();
  snd_wscale = ws_ok ? *o.wscale : 0;
  if (!ws_ok) rcv_wscale = 0;
  sack_ok = o.sack_permitted;
  ts_ok = o.has_ts;
  if (ts_ok) ts_recent = o.tsval;
  mss = static_cast<uint16_t>(std::min<uint16_t>(peer_mss, our_mss) - (ts_ok ? 12 : 0));
  cwnd = TcpParams::kInitialCwndSegs * mss;
}

std::shared_ptr<TcpConn> NetStack::TcpListenerFor_l(Endpoint local) const {
  std::shared_ptr<TcpConn> listener;
  auto [lo, hi] = tcp_listen_.equal_range(local.port);
  for (auto l = lo; l != hi; ++l) {
    if (l->second->local.ip == local.ip) return l->second;
    if (l->second->local.ip == 0) listener = l->second;
  }
  return listener;
}

bool NetStack::TcpTimeWaitTakesSyn_l(const TcpConn& c, uint32_t seq, uint8_t flags,
                                     std::span<const std::byte> opt_bytes) {
  if (c.state != TcpState::kTimeWait ||
      (flags & (tcpf::kSyn | tcpf::kAck | tcpf::kRst)) != tcpf::kSyn)
    return false;
  TcpOptions o;
  if (!ParseTcpOptions(opt_bytes, &o)) return false;
  // Newer than the old connection: by timestamp when both use them (an
  // older one is an old duplicate, PAWS), else by sequence number.
  if (c.ts_ok && o.has_ts) return static_cast<int32_t>(o.tsval - c.ts_recent) > 0;
  return SeqGt(seq, c.rcv_nxt);
}

void NetStack::TcpListenInput_l(const std::shared_ptr<TcpConn>& l, Endpoint local, Endpoint remote,
                                uint32_t seq, uint32_t ack, uint8_t flags, uint32_t wnd,
                                std::span<const std::byte> opt_bytes,
                                std::span<const std::byte> data, std::optional<uint32_t> iss) {
  if (flags & tcpf::kRst) return;
  if (flags & tcpf::kAck) {
    // The last ACK of a handshake answered with a cookie, if the listener
    // sent cookies lately (as Linux); otherwise, and for a SYN-ACK, a
    // reset carrying its acknowledgement number.
    if (!(flags & tcpf::kSyn) && cfg_.tcp_syncookies && l->syn_overflow_at != 0 &&
        now_ - l->syn_overflow_at < kSynCookieValidNs) {
      TcpCookieAck_l(l, local, remote, seq, ack, flags, wnd, opt_bytes, data);
      return;
    }
    TcpSendRst_l(local, remote, ack, 0, false);
    return;
  }
  if (!(flags & tcpf::kSyn) || TcpListenerRefuses_l(*l)) return;
  bool syn_q_full = l->syn_q >= static_cast<size_t>(std::max(l->backlog, 16));
  if (syn_q_full && !cfg_.tcp_syncookies) {
    c_.tcp_syn_queue_drops++;
    return;
  }
  // A cookie needs no connection: the limit applies when its ACK comes.
  if (!syn_q_full && tcp_count_ >= cfg_.max_tcp_conns) {
    c_.tcp_conn_limit_drops++;
    return;
  }
  TcpOptions o;
  if (!ParseTcpOptions(opt_bytes, &o)) {
    c_.tcp_bad++;
    return;
  }
  if (syn_q_full) {
    l->syn_overflow_at = std::max<uint64_t>(now_, 1);
    TcpCookieSynAck_l(l, local, remote, seq, o);
    return;
  }
  auto c = TcpNewChild_l(l, local, remote);
  c->ApplySynOptions(o, static_cast<uint16_t>(mtu_ - 40));
  c->irs = seq;
  c->rcv_nxt = seq + 1;
  c->rcv_adv = c->rcv_nxt;
  c->iss = iss ? *iss : TcpIsn_l();
  c->snd_una = c->snd_nxt = c->snd_max = c->iss;
  c->SendSyn();
}

bool NetStack::TcpListenerRefuses_l(const TcpConn& l) {
  if (l.delegated) {
    c_.tcp_delegated_syn_drops++;
    return true;
  }
  if (l.AcceptQueueFull()) {
    c_.tcp_accept_queue_drops++;
    return true;
  }
  return false;
}

std::shared_ptr<TcpConn> NetStack::TcpNewChild_l(const std::shared_ptr<TcpConn>& l,
                                                 Endpoint local, Endpoint remote) {
  auto c = std::make_shared<TcpConn>(this);
  c->state = TcpState::kSynReceived;
  c->local = local;
  c->remote = remote;
  c->rcvbuf = l->rcvbuf;
  c->sndbuf = l->sndbuf;
  c->nodelay = l->nodelay;
  c->cc.algo = l->cc.algo;
  c->keepalive = l->keepalive;
  c->ka_idle = l->ka_idle;
  c->ka_intvl = l->ka_intvl;
  c->ka_cnt = l->ka_cnt;
  c->rcv_wscale = ScaleFor(c->rcvbuf);
  c->parent = l;
  c->passive = true;
  c->close_at = now_ + TcpParams::kSynRcvdTimeout;
  c->registered = true;
  l->syn_q++;
  tcp_count_++;
  tcp_conns_[{local, remote}] = c;
  timed_conns_.insert(c.get());
  return c;
}

void TcpConn::Established() {
  state = TcpState::kEstablished;
  was_connected = true;
  close_at = 0;
  retries = 0;
  last_rx = s->now();
  if (keepalive) keepalive_at = s->now() + ka_idle;
  if (passive) {
    auto l = parent.lock();
    if (l) l->syn_q--;
    if (!l || l->state != TcpState::kListen) {
      Abort();  // the listener went away during the handshake
      return;
    }
    l->accept_q.push_back(s->tcp_conns_[{local, remote}]);
    l->Wake();
  }
  Wake();
}

void TcpConn::Input(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t wnd,
                    std::span<const std::byte> opt_bytes, std::span<const std::byte> data) {
  TcpOptions o;
  if (!ParseTcpOptions(opt_bytes, &o)) {
    s->c_.tcp_bad++;
    return;
  }
  bool syn = flags & tcpf::kSyn, fin = flags & tcpf::kFin, rst = flags & tcpf::kRst,
       has_ack = flags & tcpf::kAck;
  uint64_t now = s->now();

  if (state == TcpState::kSynSent) {
    if (has_ack && (SeqLe(ack, iss) || SeqGt(ack, snd_max))) {
      if (!rst) s->TcpSendRst_l(local, remote, ack, 0, false);
      return;
    }
    if (rst) {
      if (has_ack) Reset(ECONNREFUSED);
      return;
    }
    if (!syn) return;
    irs = seq;
    rcv_nxt = seq + 1;
    rcv_adv = rcv_nxt;
    ApplySynOptions(o, static_cast<uint16_t>(s->mtu_ - 40));
    snd_wnd = wnd;  // never scaled in a SYN
    snd_wl1 = seq;
    snd_wl2 = ack;
    if (has_ack) {
      snd_una = ack;
      snd_nxt = ack;
      rto_at = 0;
      if (!rtt_valid && retries == 0 && o.has_ts == false) RttSample(now - rtt_start);
      else if (o.has_ts && o.tsecr) RttSample((TsNow() - o.tsecr) * TcpParams::kMs);
      Established();
      ack_now = true;
      Output();
    } else {
      // Simultaneous open (RFC 9293 3.5, figure 8).
      state = TcpState::kSynReceived;
      SendSegment(iss, tcpf::kSyn | tcpf::kAck, 0, 0);
    }
    return;
  }

  // Step 1: is the segment acceptable? (RFC 9293 3.10.7.4)
  uint32_t seg_len = static_cast<uint32_t>(data.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);
  uint32_t rwnd = RcvWindow();
  bool ok;
  if (seg_len == 0) {
    // An empty segment (an ACK) carries the peer's highest sequence number
    // sent: anything up to the right edge we offered (the data below it
    // lost or still on its way), also at a zero window (RFC 9293 3.10.7.4:
    // "special allowance should be made to accept valid ACKs"). Refusing
    // it left two senders whose data was lost each way ignoring each
    // other's ACKs until their retries ran out.
    uint32_t edge = SeqGt(rcv_adv, rcv_nxt + rwnd) ? rcv_adv : rcv_nxt + rwnd;
    ok = SeqLe(rcv_nxt, seq) && SeqLe(seq, edge);
  } else {
    ok = rwnd != 0 && ((SeqLe(rcv_nxt, seq) && SeqLt(seq, rcv_nxt + rwnd)) ||
                       (SeqLe(rcv_nxt, seq + seg_len - 1) &&
                        SeqLt(seq + seg_len - 1, rcv_nxt + rwnd)));
    // A zero window still takes ACKs (and a probe's sequence number), and
    // a FIN right at its edge: it needs no buffer space (as Linux). Data
    // it cannot take (a probe carrying a byte) is answered with an ACK of
    // the unchanged window, as any unacceptable segment is: that ACK is
    // how such a prober learns when the window opens.
    if (!ok && rwnd == 0 && seq == rcv_nxt) {
      if (!data.empty()) {
        fin = false;
        ack_now = true;
      }
      data = {};
      ok = true;
    }
  }
  if (state == TcpState::kSynReceived && syn && seq == irs && !has_ack) {
    SendSegment(iss, tcpf::kSyn | tcpf::kAck, 0, 0);  // our SYN-ACK was lost
    return;
  }
  if (!ok) {
    s->c_.tcp_out_of_window++;
    if (!rst) SendAck();
    if (state == TcpState::kTimeWait && fin) close_at = now + s->cfg_.tcp_time_wait_ns;
    return;
  }
  // Step 2: RST (RFC 5961 3.2: exact match resets, in-window draws a challenge ACK).
  if (rst) {
    if (seq != rcv_nxt) {
      SendAck();
      return;
    }
    switch (state) {
      case TcpState::kSynReceived:
        if (passive) { CloseDone(); return; }  // passive: back to LISTEN quietly
        Reset(ECONNREFUSED);
        return;
      case TcpState::kClosing: case TcpState::kLastAck: case TcpState::kTimeWait:
        CloseDone();
        return;
      default:
        Reset(ECONNRESET);
        return;
    }
  }
  // Step 4: a SYN in a synchronized state draws a challenge ACK (RFC 5961 4).
  if (syn) {
    SendAck();
    return;
  }
  if (!has_ack) return;
  // Timestamps (RFC 7323 4.3): remember the peer's clock for echoing.
  if (ts_ok && o.has_ts && SeqLe(seq, rcv_nxt)) ts_recent = o.tsval;
  last_rx = now;
  ka_probes = 0;
  if (keepalive) keepalive_at = now + ka_idle;

  // Step 5: ACK.
  if (state == TcpState::kSynReceived) {
    if (SeqGt(ack, snd_una) && SeqLe(ack, snd_max)) {
      if (passive) {
        // A full accept queue drops the handshake's last ACK, and any data
        // on it (Linux with tcp_abort_on_overflow = 0): the request stays,
        // and the peer's answer to our next SYN-ACK, or its retransmission,
        // completes it once there is room. Having been answered, it no
        // longer expires as a half-open entry but when its SYN-ACK
        // retries run out (Linux's inet_rsk(req)->acked).
        auto l = parent.lock();
        if (l && l->AcceptQueueFull()) {
          s->c_.tcp_accept_queue_drops++;
          close_at = 0;
          return;
        }
      }
      snd_una = ack;
      rto_at = 0;
      snd_wnd = wnd << snd_wscale;
      snd_wl1 = seq;
      snd_wl2 = ack;
      if (o.has_ts && o.tsecr) RttSample((TsNow() - o.tsecr) * TcpParams::kMs);
      Established();
      if (state == TcpState::kClosed) return;
    } else {
      s->TcpSendRst_l(local, remote, ack, 0, false);
      return;
    }
  }
  ProcessAck(seq, ack, wnd, !data.empty(), o.tsecr, o.has_ts && o.tsecr != 0, opt_bytes);
  if (state == TcpState::kClosed) return;
  if (state == TcpState::kTimeWait) {
    if (fin) {
      SendAck();
      close_at = now + s->cfg_.tcp_time_wait_ns;
    }
    return;
  }
  // New data after close(): nobody will read it. Linux resets (RFC 1122
  // 4.2.2.13's "MUST" for unread data; counted as TCPAbortOnData there).
  if (orphan && !data.empty() && SeqGt(seq + static_cast<uint32_t>(data.size()), rcv_nxt) &&
      (state == TcpState::kFinWait1 || state == TcpState::kFinWait2)) {
    s->c_.tcp_abort_on_data++;
    Abort();
    return;
  }
  // Steps 7-8: data and FIN.
  if (!data.empty() || fin) ProcessData(seq, data, fin);
  Output();
}

void TcpConn::RttSample(uint64_t r) {
  if (r == 0) r = 1;
  if (!rtt_valid) {
    srtt = r;
    rttvar = r / 2;
    rtt_valid = true;
  } else {
    uint64_t diff = srtt > r ? srtt - r : r - srtt;
    rttvar = (3 * rttvar + diff) / 4;
    srtt = (7 * srtt + r) / 8;
  }
  rto = std::clamp<uint64_t>(srtt + std::max<uint64_t>(TcpParams::kMs, 4 * rttvar),
                             TcpParams::kMinRto, TcpParams::kMaxRto);
}

uint32_t TcpConn::SackedBytes() const {
  uint32_t n = 0;
  for (auto& [l, r] : sacked) n += r - l;
  return n;
}

// Three (RFC 5681 3.2), or one fewer than the segments outstanding when
// fewer than four are and no new one may go out (early retransmit, RFC
// 5827 3.1): such a flight never earns three duplicate ACKs, and its one
// loss would wait for the retransmission timer.
int TcpConn::DupThresh() const {
  uint32_t oseg = (Flight() + mss - 1) / mss;
  if (oseg < 2 || oseg >= 4) return 3;
  size_t unsent = sndq.size() > Flight() ? sndq.size() - Flight() : 0;
  bool window_room = snd_wnd >= Flight() + std::min<size_t>(unsent, mss);
  if (unsent > 0 && window_room) return 3;  // limited transmit sends more instead
  return static_cast<int>(oseg) - 1;
}

void TcpConn::ProcessAck(uint32_t seq, uint32_t ack, uint32_t wnd, bool has_data,
                         uint32_t tsecr, bool have_ts, std::span<const std::byte> opt_bytes) {
  uint64_t now = s->now();
  if (SeqGt(ack, snd_max)) {
    SendAck();  // acks something we never sent
    return;
  }
  uint32_t scaled_wnd = wnd << snd_wscale;
  bool window_changed = scaled_wnd != snd_wnd;
  // Window update (RFC 9293 3.10.7.4, fifth check).
  if (SeqLt(snd_wl1, seq) || (snd_wl1 == seq && SeqLe(snd_wl2, ack))) {
    if (scaled_wnd > 0 && snd_wnd == 0) {
      // The window opened: the next zero window starts probing afresh.
      persist_at = 0;
      persist_backoff = 0;
    }
    snd_wnd = scaled_wnd;
    snd_wl1 = seq;
    snd_wl2 = ack;
  }
  uint32_t sacked_before = SackedBytes();
  if (sack_ok) {
    TcpOptions o;
    ParseTcpOptions(opt_bytes, &o);
    for (auto [l, r] : o.sacks) {
      if (SeqLe(r, ack) || SeqGt(r, snd_max) || SeqGe(l, r)) continue;
      // Keys stay inside [snd_una, snd_max] (SeqLess needs them close).
      if (SeqLt(l, snd_una)) l = snd_una;
      // Merge into the scoreboard.
      auto it = sacked.upper_bound(l);
      if (it != sacked.begin() && SeqGe(std::prev(it)->second, l)) {
        --it;
        l = it->first;
        r = SeqGt(it->second, r) ? it->second : r;
        it = sacked.erase(it);
      }
      while (it != sacked.end() && SeqLe(it->first, r)) {
        if (SeqGt(it->second, r)) r = it->second;
        it = sacked.erase(it);
      }
      sacked.emplace(l, r);
    }
  }
  if (SeqLe(ack, snd_una)) {
    // Duplicate ACK (RFC 5681 2): no data, same ACK, same window, data
    // outstanding; or one that SACKs new data whatever its window (RFC
    // 6675 2): Linux grows its window while it queues out-of-order data,
    // so most of its duplicate ACKs carry a new one.
    bool newly_sacked = SackedBytes() != sacked_before;
    if (ack == snd_una && !has_data && (!window_changed || newly_sacked) && Flight() > 0) {
      dupacks++;
      if (in_recovery) {
        cwnd += mss;  // each dup ACK means a segment left the network
      } else if (dupacks >= DupThresh()) {
        ssthresh = cc.OnCongestion(cwnd, Flight(), mss);
        in_recovery = true;
        recover = snd_max;
        Retransmit();
        cwnd = ssthresh + static_cast<uint32_t>(dupacks) * mss;
      } else if (dupacks <= 2 && snd_nxt == snd_max) {
        // Limited transmit (RFC 3042): each of the first two lets one new
        // segment out beyond cwnd, so a small window still earns the
        // duplicate ACKs that trigger the fast retransmit instead of a
        // timeout (200 ms or more, most of a lossy transfer's time).
        uint32_t saved = cwnd;
        cwnd += static_cast<uint32_t>(dupacks) * mss;
        Output();
        cwnd = saved;
      }
    }
    return;
  }
  // New data acknowledged: the peer hears us, so its ARP entry is good.
  uint32_t acked = ack - snd_una;
  s->ConfirmNeighbour_l(remote.ip);
  // Grow cwnd only while it limits us (RFC 7661): an application-limited
  // sender must not inflate it without bound.
  bool cwnd_limited = Flight() + mss >= cwnd;
  uint32_t data_acked = acked;
  uint32_t data_end = snd_una + static_cast<uint32_t>(sndq.size());
  if (fin_sent && SeqGt(ack, data_end)) data_acked--;  // our FIN
  data_acked = std::min<uint32_t>(data_acked, static_cast<uint32_t>(sndq.size()));
  sndq.PopFront(data_acked);
  s->sock_mem_ -= data_acked;
  bytes_acked += data_acked;
  snd_una = ack;
  if (SeqLt(snd_nxt, snd_una)) snd_nxt = snd_una;
  while (!sacked.empty() && SeqLe(sacked.begin()->second, snd_una)) sacked.erase(sacked.begin());
  if (!sacked.empty() && SeqLt(sacked.begin()->first, snd_una)) {
    uint32_t r = sacked.begin()->second;
    sacked.erase(sacked.begin());
    sacked.emplace(snd_una, r);
  }
  // RTT (RFC 6298 3; Karn's rule without timestamps).
  if (have_ts) {
    RttSample(static_cast<uint64_t>(TsNow() - tsecr) * TcpParams::kMs);
  } else if (rtt_timing && SeqGt(ack, rtt_seq)) {
    rtt_timing = false;
    RttSample(now - rtt_start);
  }
  retries = 0;
  rto_at = 0;
  tlp_out = false;
  if (Flight() > 0) ArmRto();
  // Congestion control.
  if (in_recovery) {
    if (SeqGe(ack, recover)) {
      in_recovery = false;  // full ACK (RFC 6582 3.2 step 3)
      cwnd = std::min<uint32_t>(ssthresh, std::max<uint32_t>(Flight(), mss) + mss);
    } else {
      // Partial ACK: the next hole is lost too; deflate by what was acked.
      Retransmit();
      cwnd = cwnd > acked ? cwnd - acked + mss : mss;
    }
  } else if (!cwnd_limited) {
  } else if (cwnd < ssthresh) {
    // Slow start by the bytes acknowledged, up to ssthresh (RFC 3465
    // without its limit L, as Linux's tcp_slow_start): a stretch ACK (a
    // receiver answering a batch of segments at once, as ours does) counts
    // for every segment it covers.
    cwnd += std::min<uint32_t>(acked, std::max<uint32_t>(ssthresh - cwnd, mss));
  } else {
    cwnd = cc.Avoidance(cwnd, acked, mss, now, rtt_valid ? srtt : 0);
  }
  dupacks = 0;
  ArmTlp();
  bool fin_acked = fin_sent && SeqGt(snd_una, data_end);
  switch (state) {
    case TcpState::kFinWait1:
      if (fin_acked) {
        state = TcpState::kFinWait2;
        if (orphan) close_at = now + TcpParams::kFinWait2Orphan;
      }
      break;
    case TcpState::kClosing:
      if (fin_acked) EnterTimeWait();
      break;
    case TcpState::kLastAck:
      if (fin_acked) {
        Wake();  // (a close() lingering on it: done)
        CloseDone();
        return;
      }
      break;
    default:
      break;
  }
  Wake();  // send space opened
}

void TcpConn::ProcessData(uint32_t seq, std::span<const std::byte> data, bool fin) {
  bool can_receive = state == TcpState::kEstablished || state == TcpState::kFinWait1 ||
                     state == TcpState::kFinWait2;
  if (!can_receive) return;  // data after the peer's FIN: ignore (RFC 9293 step 7)
  // Trim what we already have.
  if (SeqLt(seq, rcv_nxt)) {
    uint32_t dup = rcv_nxt - seq;
    if (dup >= data.size()) {
      if (dup > data.size()) fin = false;  // the FIN is old too
      data = {};
    } else {
      data = data.subspan(dup);
    }
    seq = rcv_nxt;
    if (data.empty() && !fin) {
      ack_now = true;  // a retransmission: tell the peer again
      return;
    }
  }
  // Trim to the window we offered.
  uint32_t wnd = RcvWindow();
  if (data.size() > wnd) {
    data = data.first(wnd);
    fin = false;
  }
  if (s->sock_mem_ + data.size() > s->cfg_.max_socket_mem) {
    s->c_.tcp_mem_drops++;
    ack_now = true;
    return;
  }
  if (seq != rcv_nxt) {
    // Out of order: keep it (bounded) and ACK at once with SACK blocks.
    if (!data.empty() && ooo.size() < TcpParams::kMaxOooSegments && !ooo.count(seq)) {
      ooo.emplace(seq, std::vector<std::byte>(data.begin(), data.end()));
      ooo_bytes += data.size();
      s->sock_mem_ += data.size();
    }
    ack_now = true;
    return;
  }
  rcvq.Append(data);
  s->sock_mem_ += data.size();
  bytes_received += data.size();
  rcv_nxt += static_cast<uint32_t>(data.size());
  bool filled_hole = false;
  // Pull queued segments that are now in order.
  for (auto it = ooo.begin(); it != ooo.end();) {
    uint32_t sq = it->first;
    uint32_t end = sq + static_cast<uint32_t>(it->second.size());
    if (SeqGt(sq, rcv_nxt)) break;
    if (SeqGt(end, rcv_nxt)) {
      size_t skip = rcv_nxt - sq;
      rcvq.Append(std::span<const std::byte>(it->second).subspan(skip));
      s->sock_mem_ += it->second.size() - skip;
      bytes_received += it->second.size() - skip;
      rcv_nxt = end;
    }
    s->sock_mem_ -= it->second.size();
    ooo_bytes -= it->second.size();
    it = ooo.erase(it);
    filled_hole = true;
  }
  if (fin && seq + data.size() == rcv_nxt) {
    rcv_nxt++;
    fin_received = true;
    ack_now = true;
    switch (state) {
      case TcpState::kEstablished: state = TcpState::kCloseWait; break;
      case TcpState::kFinWait1:
        if (fin_sent && snd_una == snd_max) EnterTimeWait();
        else state = TcpState::kClosing;
        break;
      case TcpState::kFinWait2: EnterTimeWait(); break;
      default: break;
    }
  }
  if (!data.empty()) {
    // Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): every second full
    // segment, an out-of-order fill at once, otherwise within 40 ms. Not on
    // loopback: there an ACK costs a function call, and nothing would have
    // to run the timer while both ends wait in epoll.
    // In a batch of received frames (NetStack::InputBatch) the every-second
    // ACK waits for the batch's end: one ACK for all its in-order data.
    if (filled_hole || s->IsLocal(remote.ip)) ack_now = true;
    else if (++unacked_segs >= 2) ack_now = !s->HoldAck_l(*this);
    else if (delack_at == 0) delack_at = s->now() + TcpParams::kDelAck;
  }
  Wake();
}

bool NetStack::HoldAck_l(const TcpConn& c) {
  if (!holding_acks_) return false;
  for (auto& held : held_acks_)
    if (held.second == &c) return true;
  held_acks_.push_back({{c.local, c.remote}, &c});
  return true;
}

// A listed connection may have gone meanwhile (a reset later in the
// batch): it is looked up again by its endpoints.
void NetStack::SendHeldAcks_l() {
  for (auto& [key, conn] : held_acks_) {
    auto it = tcp_conns_.find(key);
    if (it == tcp_conns_.end() || it->second.get() != conn) continue;
    if (it->second->unacked_segs > 0) it->second->SendAck();  // none went out since
  }
  held_acks_.clear();
}

}  // namespace junction::net
