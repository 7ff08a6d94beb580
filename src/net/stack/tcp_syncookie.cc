// SYN cookies on a listener (syncookie.h): the SYN-ACK that keeps no state,
// and the connection made from the ACK that returns a valid cookie. What
// Linux does: a wrong or stale cookie is answered with a reset; a valid one
// meeting a full accept queue or the connection limit is dropped (the peer
// retransmits). The connection starts with the MSS from the cookie, and
// window scaling and SACK from the echoed timestamp if the peer uses
// timestamps, else without either.
#include <algorithm>

#include "net/stack/syncookie.h"
#include "net/stack/tcp_conn.h"
#include "net/stack/tcp_options.h"

namespace junction::net {

void NetStack::TcpCookieSynAck_l(const std::shared_ptr<TcpConn>& l, Endpoint local,
                                 Endpoint remote, uint32_t seq, const TcpOptions& syn) {
  TcpOptions o = syn;
  if (!o.has_ts) {  // nowhere to keep them
    o.wscale.reset();
    o.sack_permitted = false;
  }
  // A connection that lives for this one segment: SendSegment writes the
  // SYN-ACK from it as for any other SYN-RECEIVED.
  TcpConn c(this);
  c.state = TcpState::kSynReceived;
  c.local = local;
  c.remote = remote;
  c.rcvbuf = l->rcvbuf;
  c.rcv_wscale = ScaleFor(c.rcvbuf);
  c.ApplySynOptions(o, static_cast<uint16_t>(mtu_ - 40));
  if (c.ts_ok) c.syn_tsval = SynCookieTsval(c.TsNow(), {o.wscale, o.sack_permitted});
  c.irs = seq;
  c.rcv_nxt = c.rcv_adv = seq + 1;
  c.iss = SynCookieMake(cookie_key_, local, remote, seq, c.peer_mss, now_);
  c_.tcp_syncookies_sent++;
  c.SendSegment(c.iss, tcpf::kSyn | tcpf::kAck, 0, 0);
}

void NetStack::TcpCookieAck_l(const std::shared_ptr<TcpConn>& l, Endpoint local, Endpoint remote,
                              uint32_t seq, uint32_t ack, uint8_t flags, uint32_t wnd,
                              std::span<const std::byte> opt_bytes,
                              std::span<const std::byte> data) {
  uint16_t mss = SynCookieCheck(cookie_key_, local, remote, seq - 1, ack - 1, now_);
  if (mss == 0) {
    c_.tcp_syncookies_failed++;
    TcpSendRst_l(local, remote, ack, 0, false);
    return;
  }
  TcpOptions got;
  if (!ParseTcpOptions(opt_bytes, &got)) {
    c_.tcp_bad++;
    return;
  }
  if (TcpListenerRefuses_l(*l)) return;
  if (tcp_count_ >= cfg_.max_tcp_conns) {
    c_.tcp_conn_limit_drops++;
    return;
  }
  c_.tcp_syncookies_ok++;
  // The SYN's options as the cookie remembers them.
  TcpOptions syn;
  syn.mss = mss;
  if (got.has_ts) {
    SynCookieOpts co = SynCookieTsDecode(got.tsecr);
    syn.wscale = co.wscale;
    syn.sack_permitted = co.sack;
    syn.has_ts = true;
    syn.tsval = got.tsval;
  }
  auto c = TcpNewChild_l(l, local, remote);
  c->ApplySynOptions(syn, static_cast<uint16_t>(mtu_ - 40));
  c->irs = seq - 1;
  c->rcv_nxt = c->rcv_adv = seq;
  c->iss = ack - 1;
  c->snd_una = c->iss;
  c->snd_nxt = c->snd_max = ack;
  // The ACK (and any data on it) completes the handshake as for a SYN-ACK
  // we had remembered.
  c->Input(seq, ack, flags, wnd, opt_bytes, data);
}

}  // namespace junction::net
