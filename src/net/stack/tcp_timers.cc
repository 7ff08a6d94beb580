// TCP timers: retransmission with exponential backoff (RFC 6298 5),
// zero-window probes (RFC 9293 3.8.6.1), keepalive (RFC 1122 4.2.3.6),
// delayed ACKs, and the end of TIME-WAIT / orphaned FIN-WAIT-2 /
// unanswered SYN-RECEIVED; plus the state changes that end a connection.
#include <algorithm>
#include <limits>

#include "net/stack/tcp_conn.h"

namespace junction::net {

void TcpConn::Wake() { s->Notify_l(this, notify); }

void TcpConn::EnterTimeWait() {
  state = TcpState::kTimeWait;
  rto_at = persist_at = keepalive_at = delack_at = tlp_at = 0;
  close_at = s->now() + s->cfg_.tcp_time_wait_ns;
  // TIME-WAIT leaves the connection limit for a cap of its own: counted in
  // it, a server that closed 4096 connections within 60 s refused every
  // SYN until they expired. Past the cap the connection ends at the next
  // timer pass, as Linux's does past tcp_max_tw_buckets.
  if (registered) {
    s->tcp_count_--;
    s->tw_count_++;
    s->timed_conns_.erase(this);
    if (s->tw_count_ > s->cfg_.max_time_wait) {
      s->c_.tcp_time_wait_overflow++;
      close_at = s->now();
    }
    s->tw_queue_.insert({close_at, local, remote});
    if (parked_at) s->tw_queue_.insert({parked_at, local, remote});
  }
  Wake();
}

void TcpConn::CloseDone() {
  bool time_wait = state == TcpState::kTimeWait;  // counted in tw_count_, not tcp_count_
  if (state == TcpState::kSynReceived && passive) {
    if (auto l = parent.lock()) l->syn_q--;
  }
  parent.reset();
  if (owned) {
    owned = false;
    if (s->flow_shares_) s->flow_shares_->Remove(local, remote, share_gen);
  }
  undecided = false;
  state = TcpState::kClosed;
  rto_at = persist_at = keepalive_at = delack_at = close_at = parked_at = tlp_at = 0;
  s->sock_mem_ -= sndq.size() + ooo_bytes;
  sndq.clear();
  ooo.clear();
  ooo_bytes = 0;
  sacked.clear();
  if (orphan) {  // nobody will read it any more
    s->sock_mem_ -= rcvq.size();
    rcvq.clear();
  }
  if (registered) {
    registered = false;
    if (time_wait) {
      s->tw_count_--;  // (its tw_queue_ entry finds it gone)
    } else {
      s->tcp_count_--;
      s->timed_conns_.erase(this);
    }
    s->tcp_conns_.erase({local, remote});  // may free *this: touch nothing after
    return;
  }
}

void TcpConn::Reset(int err) {
  error = err;
  Wake();
  CloseDone();
}

void TcpConn::Abort() {
  if (Synchronized() || state == TcpState::kSynReceived)
    s->TcpSendRst_l(local, remote, snd_max, rcv_nxt, true);
  Wake();  // (a close() lingering on it: done)
  CloseDone();
}

void NetStack::TcpIcmpError_l(Endpoint local, Endpoint remote, int err) {
  auto it = tcp_conns_.find({local, remote});
  if (it == tcp_conns_.end()) return;
  std::shared_ptr<TcpConn> c = it->second;
  // Hard errors abort a connection still in its handshake (RFC 1122
  // 4.2.3.9); established connections only note them (soft errors).
  if (c->state == TcpState::kSynSent && err == ECONNREFUSED) c->Reset(err);
}

void TcpConn::Timers(uint64_t now) {
  if (undecided) return;
  if (parked_at && now >= parked_at) {
    parked_at = now < parked_until ? now + kParkedPollNs : 0;
    s->TakeParked_l(this);
    if (!registered) return;  // a parked reset ended it
  }
  if (close_at && now >= close_at) {
    if (state == TcpState::kSynReceived) {
      CloseDone();
      return;
    }
    if (state == TcpState::kTimeWait || state == TcpState::kFinWait2) {
      CloseDone();
      return;
    }
    close_at = 0;
  }
  if (tlp_at && now >= tlp_at) {
    tlp_at = 0;
    SendTlp();
  }
  if (rto_at && now >= rto_at) {
    rto_at = 0;
    tlp_at = 0;
    bool handshake = state == TcpState::kSynSent || state == TcpState::kSynReceived;
    if (state == TcpState::kSynReceived && passive) {
      // A request outlives no listener: no SYN-ACKs for a closed one (as Linux).
      auto l = parent.lock();
      if (!l || l->state != TcpState::kListen) {
        CloseDone();
        return;
      }
    }
    int most = state == TcpState::kSynReceived && passive ? TcpParams::kSynAckRetries
               : handshake                                 ? TcpParams::kSynRetries
               : orphan                                    ? TcpParams::kOrphanRetries
                                                           : TcpParams::kDataRetries;
    if (++retries > most) {
      if (state == TcpState::kSynReceived && passive) CloseDone();
      else if (handshake) Reset(ETIMEDOUT);
      else { s->TcpSendRst_l(local, remote, snd_max, rcv_nxt, true); Reset(ETIMEDOUT); }
      return;
    }
    rto = std::min(rto * 2, TcpParams::kMaxRto);  // back off
    if (handshake) {
      Retransmit();
    } else if (Flight() > 0) {
      // Loss: restart from the first unacknowledged byte with one segment
      // (RFC 5681 3.1), forgetting SACK information (RFC 6675 5.1).
      // Only the first timeout of a series is a new congestion event: later
      // ones find the window already at one segment.
      if (retries == 1) ssthresh = cc.OnCongestion(cwnd, Flight(), mss);
      cwnd = mss;
      cc.EndEpoch();
      in_recovery = false;
      dupacks = 0;
      sacked.clear();
      rtt_timing = false;
      snd_nxt = snd_una;
      Output();
      ArmRto();
    }
    if (state == TcpState::kClosed) return;
  }
  if (persist_at && now >= persist_at) {
    persist_at = 0;
    if (snd_wnd == 0 && sndq.size() > (snd_nxt - snd_una) && Flight() == 0) {
      SendSegment(snd_una - 1, tcpf::kAck, 0, 0);  // elicits an ACK with the window
      persist_backoff = std::min(persist_backoff + 1, 10);
      persist_at = now + std::min(std::max(rto, TcpParams::kMinRto) << persist_backoff,
                                  TcpParams::kMaxRto);
    } else {
      persist_backoff = 0;
    }
  }
  if (keepalive_at && now >= keepalive_at) {
    keepalive_at = 0;
    if (keepalive && state == TcpState::kEstablished) {
      if (ka_probes >= ka_cnt) {
        s->TcpSendRst_l(local, remote, snd_max, rcv_nxt, true);
        Reset(ETIMEDOUT);
        return;
      }
      if (Flight() == 0) {
        ka_probes++;
        SendSegment(snd_una - 1, tcpf::kAck, 0, 0);
      }
      keepalive_at = now + ka_intvl;
    }
  }
  if (delack_at && now >= delack_at) {
    delack_at = 0;
    SendAck();
  }
}

uint64_t TcpConn::NextDeadline() const {
  uint64_t next = std::numeric_limits<uint64_t>::max();
  if (undecided) return next;
  for (uint64_t t : {rto_at, delack_at, persist_at, keepalive_at, close_at, parked_at, tlp_at})
    if (t) next = std::min(next, t);
  return next;
}

void NetStack::TcpTimers_l() {
  TcpExpireTimeWait_l();
  std::vector<std::shared_ptr<TcpConn>> due;
  for (TcpConn* c : timed_conns_) {
    if (c->NextDeadline() > now_) continue;
    auto it = tcp_conns_.find({c->local, c->remote});
    if (it != tcp_conns_.end()) due.push_back(it->second);
  }
  // In the order of their 4-tuples, not of their addresses in the heap: a
  // simulated wire's run is then the same for the same seed.
  std::sort(due.begin(), due.end(), [](const auto& x, const auto& y) {
    return std::tie(x->local, x->remote) < std::tie(y->local, y->remote);
  });
  for (auto& c : due) {
    if (c->registered) c->Timers(now_);
  }
}

void NetStack::TcpExpireTimeWait_l() {
  while (!tw_queue_.empty() && tw_queue_.begin()->at <= now_) {
    TimeWaitEntry e = *tw_queue_.begin();
    tw_queue_.erase(tw_queue_.begin());
    auto it = tcp_conns_.find({e.local, e.remote});
    if (it == tcp_conns_.end() || it->second->state != TcpState::kTimeWait) continue;  // ended
    std::shared_ptr<TcpConn> c = it->second;
    uint64_t next;
    if (c->undecided) {  // a copy shared by a fork: its owner's to end; look again later
      next = now_ + 1000 * TcpParams::kMs;
    } else {
      // Ends it when close_at is due; takes parked segments (parked_at).
      if (c->NextDeadline() <= now_) c->Timers(now_);
      if (!c->registered) continue;
      // A deadline moved (a retransmitted FIN restarted close_at) or another
      // is left: queued again at it.
      next = c->NextDeadline();
      if (next == std::numeric_limits<uint64_t>::max()) continue;
      next = std::max(next, now_ + 1);
    }
    tw_queue_.insert({next, e.local, e.remote});
  }
}

uint64_t NetStack::TcpNextDeadline_l() const {
  uint64_t next = tw_queue_.empty() ? std::numeric_limits<uint64_t>::max() : tw_queue_.begin()->at;
  for (const TcpConn* c : timed_conns_) next = std::min(next, c->NextDeadline());
  return next;
}

}  // namespace junction::net
