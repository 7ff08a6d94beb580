// The TCP control block and the internal operations on it. Every function
// here runs with the stack lock held. Internal to src/net/stack.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "net/stack/byte_queue.h"
#include "net/stack/tcp.h"
#include "net/stack/tcp_congestion.h"

namespace junction::net {

// Sequence-space comparisons (RFC 9293 3.4), modulo 2^32.
inline bool SeqLt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
inline bool SeqLe(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) <= 0; }
inline bool SeqGt(uint32_t a, uint32_t b) { return SeqLt(b, a); }
inline bool SeqGe(uint32_t a, uint32_t b) { return SeqLe(b, a); }

// Orders sequence numbers by position in the stream, across the wrap at
// 2^32 (raw uint32 order puts 0x10 before 0xfffffff0). A strict order only
// over keys less than 2^31 apart: the maps using it hold ranges inside one
// window (ooo: around rcv_nxt; sacked: within [snd_una, snd_max]).
struct SeqLess {
  bool operator()(uint32_t a, uint32_t b) const { return SeqLt(a, b); }
};

// Our window scale: the smallest shift that lets `rcvbuf` be offered.
inline uint8_t ScaleFor(size_t rcvbuf) {
  uint8_t ws = 0;
  while (ws < 14 && (size_t{65535} << ws) < rcvbuf) ws++;
  return ws;
}

struct TcpParams {
  static constexpr uint64_t kMs = 1'000'000;
  static constexpr uint64_t kInitialRto = 1000 * kMs;  // RFC 6298 2.1
  static constexpr uint64_t kMinRto = 200 * kMs;       // Linux's floor (RFC: 1 s)
  static constexpr uint64_t kMaxRto = 120'000 * kMs;
  // Tail loss probe (RFC 8985 7.2): the worst-case delayed ACK its timeout
  // allows for a one-segment flight, and its floor.
  static constexpr uint64_t kWorstDelAck = 200 * kMs;
  static constexpr uint64_t kMinPto = 10 * kMs;
  static constexpr uint64_t kDelAck = 40 * kMs;
  static constexpr uint64_t kTimeWait = 60'000 * kMs;  // 2 MSL, as Linux
  static constexpr uint64_t kFinWait2Orphan = 60'000 * kMs;
  static constexpr uint64_t kSynRcvdTimeout = 30'000 * kMs;
  static constexpr int kSynRetries = 6, kDataRetries = 15;
  // A listener's SYN-ACKs (Linux's tcp_synack_retries): a request whose
  // last ACK met a full accept queue lives 1+2+4+8+16+32 = 63 s.
  static constexpr int kSynAckRetries = 5;
  // A connection nobody holds any more (closed, or left by an exited
  // process): Linux's tcp_orphan_retries default (0 means 8), ~100 s.
  static constexpr int kOrphanRetries = 8;
  static constexpr uint32_t kInitialCwndSegs = 10;     // RFC 6928
  static constexpr size_t kDefaultBuf = 256 * 1024;
  static constexpr size_t kMaxOooSegments = 256;
};

struct TcpConn {
  NetStack* s;
  TcpState state = TcpState::kClosed;
  Endpoint local, remote;
  bool registered = false;   // in tcp_conns_ / tcp_listen_
  bool orphan = false;       // the program closed its socket
  bool reuse_addr = false;

  // Listener.
  int backlog = 0;
  std::deque<std::shared_ptr<TcpConn>> accept_q;  // established, not yet accepted
  // Linux's sk_acceptq_is_full: the queue holds backlog + 1.
  bool AcceptQueueFull() const { return accept_q.size() > static_cast<size_t>(backlog); }
  size_t syn_q = 0;                               // children in SYN_RECEIVED
  std::weak_ptr<TcpConn> parent;                  // set on passive children until accepted
  bool passive = false;                           // made by a listener
  // A program accepted or polled on this listener (in this process).
  bool accepting = false;
  // Forked away before anyone here accepted: its SYNs are dropped (the
  // peer retries) so none waits in a queue nobody will accept from, while
  // the processes that do accept have not yet said so (docs/network.md).
  bool delegated = false;
  uint64_t syn_overflow_at = 0;                   // the SYN queue last overflowed (cookies sent)
  bool bound = false;                             // in tcp_bound_

  // Held by several forked processes (NetStack::FlowShares): the
  // generation of this copy (0: never shared); `undecided` until some
  // process claims it: this copy sends nothing, drops its input and runs
  // no timers (to the peer it is loss). `owned`: this process claimed it,
  // and withdraws the claim when the connection leaves the stack.
  uint32_t share_gen = 0;
  // Written under the stack's lock; TcpSocket::undecided() reads it
  // without (on every socket call: it must cost nothing).
  std::atomic<bool> undecided{false};
  bool owned = false;
  // Just claimed: segments the old process got before the daemon steered
  // the connection here may still be parked after we looked; look again
  // at parked_at until parked_until.
  uint64_t parked_at = 0, parked_until = 0;
  static constexpr uint64_t kParkedPollNs = 2 * TcpParams::kMs;
  static constexpr uint64_t kParkedWatchNs = 100 * TcpParams::kMs;

  // Send side (RFC 9293 3.3.1).
  uint32_t iss = 0, snd_una = 0, snd_nxt = 0, snd_max = 0, snd_wl1 = 0, snd_wl2 = 0;
  uint32_t snd_wnd = 0;            // unscaled
  uint8_t snd_wscale = 0;
  ByteQueue sndq;                  // bytes from the first unacknowledged data byte
  size_t sndbuf = TcpParams::kDefaultBuf;
  bool fin_queued = false, fin_sent = false;
  uint16_t peer_mss = 536, mss = 536;  // mss: payload per segment (options taken off)

  // Receive side.
  uint32_t irs = 0, rcv_nxt = 0, rcv_adv = 0;  // rcv_adv: right edge advertised
  uint8_t rcv_wscale = 0;
  ByteQueue rcvq;
  size_t rcvbuf = TcpParams::kDefaultBuf;
  std::map<uint32_t, std::vector<std::byte>, SeqLess> ooo;  // out-of-order data by seq
  size_t ooo_bytes = 0;
  bool fin_received = false;
  bool shut_rd = false;

  // Options negotiated in the handshake.
  bool ws_ok = false, ts_ok = false, sack_ok = false;
  uint32_t ts_recent = 0;
  // Added to our clock for TSval: keeps it continuous in a connection the
  // daemon took over from an exited process (another clock).
  uint32_t ts_offset = 0;
  std::optional<uint32_t> syn_tsval;  // a cookie SYN-ACK's TSval (options in it), else our clock
  // SACK scoreboard: ranges above snd_una the peer holds.
  std::map<uint32_t, uint32_t, SeqLess> sacked;

  // RTT and retransmission (RFC 6298).
  uint64_t srtt = 0, rttvar = 0, rto = TcpParams::kInitialRto;
  bool rtt_valid = false;
  uint32_t rtt_seq = 0;            // timed segment without timestamps (Karn)
  uint64_t rtt_start = 0;
  bool rtt_timing = false;
  int retries = 0;
  uint64_t rto_at = 0, delack_at = 0, persist_at = 0, keepalive_at = 0, close_at = 0;
  int persist_backoff = 0;
  // Tail loss probe: when it fires, and whether one is out (until an ACK
  // takes new data).
  uint64_t tlp_at = 0;
  bool tlp_out = false;

  // Congestion control: slow start and NewReno recovery (RFC 5681, RFC
  // 6582); the reduction and avoidance growth are `cc`'s (CUBIC by default).
  uint32_t cwnd = 0, ssthresh = UINT32_MAX;
  CongestionControl cc;
  int dupacks = 0;
  bool in_recovery = false;
  uint32_t recover = 0;

  // ACK policy.
  bool ack_now = false;
  int unacked_segs = 0;

  // Socket options and state the program sees.
  bool nodelay = false;
  bool keepalive = false;
  uint64_t ka_idle = 7200'000 * TcpParams::kMs, ka_intvl = 75'000 * TcpParams::kMs;
  uint32_t ka_cnt = 9, ka_probes = 0;
  bool linger = false;
  int linger_secs = 0;
  int error = 0;                   // SO_ERROR
  bool connect_reported = false;
  bool was_connected = false;      // reached ESTABLISHED once
  uint64_t last_rx = 0;
  uint32_t total_retrans = 0;
  uint64_t bytes_acked = 0, bytes_received = 0;
  std::function<void()> notify;

  explicit TcpConn(NetStack* st) : s(st) {}

  bool Synchronized() const {
    return state != TcpState::kClosed && state != TcpState::kListen &&
           state != TcpState::kSynSent && state != TcpState::kSynReceived;
  }
  uint32_t Flight() const { return snd_max - snd_una; }
  uint32_t RcvWindow() const;
  // Payload of a full segment now: mss less the SACK blocks it will carry.
  uint32_t SegmentMss() const;
  // Lock held (all below).
  void Wake();
  void Output();                       // send what cwnd/window/Nagle allow, FIN, ACK
  void SendSegment(uint32_t seq, uint8_t flags, size_t data_off, size_t len);
  // A pure ACK (and our resets) carry the highest sequence number sent, not
  // snd_nxt: after a timeout rewinds snd_nxt the peer may already hold data
  // beyond it, and would find an ACK below its rcv_nxt unacceptable and
  // answer with its own; two rewound senders traded such ACKs forever.
  void SendAck() { SendSegment(snd_max, tcpf::kAck, 0, 0); }
  void SendSyn();
  void Retransmit();                   // the first unacknowledged, not SACKed segment
  uint32_t SackedBytes() const;        // held by the peer above snd_una (the scoreboard)
  int DupThresh() const;               // duplicate ACKs that start a fast retransmit
  void ArmRto();
  void ArmTlp();                       // (re)starts the probe timeout after a send or an ACK
  void SendTlp();
  void Input(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t wnd,
             std::span<const std::byte> opts, std::span<const std::byte> data);
  void ProcessAck(uint32_t seq, uint32_t ack, uint32_t wnd, bool has_data, uint32_t tsecr,
                  bool have_ts, std::span<const std::byte> opts);
  void ProcessData(uint32_t seq, std::span<const std::byte> data, bool fin);
  void RttSample(uint64_t r);
  void Timers(uint64_t now);
  uint64_t NextDeadline() const;
  void EnterTimeWait();
  void Reset(int err);                 // connection reset: error, CLOSED
  void Abort();                        // we reset it: RST out, CLOSED
  void Established();
  void CloseDone();                    // CLOSED: leave the tables
  uint32_t TsNow() const;
  // The peer's SYN options (or a cookie's): MSS, window scale, SACK,
  // timestamps; `our_mss` is what our SYN offers.
  void ApplySynOptions(const TcpOptions& o, uint16_t our_mss);
};

}  // namespace junction::net
