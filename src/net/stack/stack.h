// NetStack: one container's user-level ARP/IPv4/ICMP/UDP/TCP stack
// (DESIGN.md 3.7, docs/network.md). Pure protocol code: it touches no host
// facility except the NetLink it is given and the clock in its config, so
// tests run two stacks over a simulated wire.
//
// Locking: one lock per stack guards every table and socket. Public entry
// points (FrameSink and the socket methods) take it; socket wake-ups are
// collected under it and delivered after it is dropped (two-phase wake), so
// a waker may call back into the stack.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_set>
#include <optional>
#include <set>
#include <deque>
#include <vector>

#include "base/sys_result.h"
#include "net/link.h"
#include "net/stack/arp.h"
#include "net/stack/counters.h"
#include "net/stack/reassembly.h"
#include "net/stack/wire.h"

namespace junction::net {

class UdpSocket;
class TcpSocket;
struct TcpConn;
struct TcpOptions;

struct StackConfig {
  Ip4 addr = 0;
  int prefix = 24;
  Ip4 gateway = 0;                        // 0: no default route
  std::function<uint64_t()> clock;        // CLOCK_MONOTONIC ns
  uint64_t seed = 0;                      // ephemeral ports, ISNs, IP ids
  std::function<uint32_t()> tcp_isn;      // tests: choose ISNs (else RFC 6528)
  // Answer SYNs with cookies while a listener's SYN queue is full (Linux's
  // tcp_syncookies=1); false: drop them (counted).
  bool tcp_syncookies = true;
  // The SYN cookie secret: random per stack (the LibOS asks the host's
  // getrandom); all zero: derived from `seed` (tests).
  std::array<uint64_t, 2> syncookie_key{};
  ArpParams arp;
  ReassemblyParams reassembly;
  // Per-container limits.
  size_t max_tcp_conns = 4096;            // established + in handshake + closing
  // TIME-WAIT connections kept (Linux's tcp_max_tw_buckets): they do not
  // count against max_tcp_conns; past this many a connection skips
  // TIME-WAIT (counted, tcp_time_wait_overflow).
  size_t max_time_wait = 8192;
  size_t max_socket_mem = 64u << 20;      // bytes in all socket buffers
  uint64_t tcp_time_wait_ns = 60'000'000'000;  // 2 MSL
  uint32_t icmp_errors_per_sec = 100;     // port unreachable rate limit
};

// A 4-tuple as TCP and UDP demultiplex it.
struct Endpoint {
  Ip4 ip = 0;
  uint16_t port = 0;
  auto operator<=>(const Endpoint&) const = default;
};

class NetStack : public FrameSink {
 public:
  NetStack(NetLink* link, StackConfig cfg);
  ~NetStack() override;
  NetStack(const NetStack&) = delete;
  NetStack& operator=(const NetStack&) = delete;

  // FrameSink.
  void Input(std::span<const std::byte> frame) override;
  void InputBatch(std::span<const std::span<const std::byte>> frames) override;
  void Poll() override;
  uint64_t NextTimerNs() const override;

  // True while some caller holds the stack's lock. A scheduler loop must
  // not spin on it: the holder may be a uthread it switched away from.
  bool Busy() const { return lock_.test(std::memory_order_relaxed); }

  // Sends a gratuitous ARP request for our address (at start-up).
  void Announce();

  StackCounters counters() const;
  Ip4 addr() const { return cfg_.addr; }
  MacAddr mac() const { return mac_; }

  std::shared_ptr<UdpSocket> NewUdpSocket();
  std::shared_ptr<TcpSocket> NewTcpSocket();

  // Says whether an ephemeral port may be used (and claims it): called for
  // each free candidate, first with strict = true (the owner may also ask
  // that the flow land on the calling kthread: flow_hash.h), then, if no
  // port passed, with strict = false. remote.port is 0 when unknown (UDP).
  // Runs under the stack's lock. None: any free port (the default).
  using PortFilter = std::function<bool(uint8_t proto, Ip4 local, uint16_t port, Endpoint remote,
                                        bool strict)>;
  void SetPortFilter(PortFilter f);

  // Connections several forked processes hold (docs/network.md
  // "Processes", net/flow_table.h): who owns each, in memory all of them
  // share. Called under the stack's lock.
  class FlowShares {
   public:
    virtual ~FlowShares() = default;
    // Before a fork: one more process holds it. `*gen`: the copy's
    // generation (0: never shared), updated. False: not shareable (no
    // room), or another process owns it already (`*gen` != 0).
    virtual bool Share(Endpoint local, Endpoint remote, uint32_t* gen) = 0;
    // True: the copy is this process's now (claimed, or before); false:
    // another process's.
    virtual bool Claim(Endpoint local, Endpoint remote, uint32_t gen) = 0;
    // Closing an undecided copy: true if this was its last holder (then
    // it is this process's, to close properly).
    virtual bool Release(Endpoint local, Endpoint remote, uint32_t gen) = 0;
    // A connection this process owned left the stack.
    virtual void Remove(Endpoint local, Endpoint remote, uint32_t gen) = 0;
    // Some process holds this connection (one this stack does not have):
    // its segments are not for our listeners, nor to be reset.
    virtual bool Held(Endpoint local, Endpoint remote) = 0;
    // Keeps a TCP segment of a connection this process does not serve
    // (yet) for the one that claims it. False: no room (dropped).
    virtual bool Park(Endpoint local, Endpoint remote, std::span<const std::byte> seg) = 0;
    // The segments parked for a connection this process just claimed,
    // oldest first.
    virtual void TakeParked(Endpoint local, Endpoint remote,
                            const std::function<void(std::span<const std::byte>)>& fn) = 0;
  };
  // Not owned; none (the default): connections are never shared.
  void SetFlowShares(FlowShares* f);

  // The lock across a host fork (the child must not inherit it taken
  // mid-update): true if taken within `spins` tries (a holder parked on
  // the forking kthread would never let go). ForkUnlock releases it; in
  // the child, where only the forking thread exists, also when another
  // thread held it at the fork (then the copy may be mid-update: rare).
  bool ForkLock(uint64_t spins) const;
  void ForkUnlock() const;
  // Between a successful ForkLock and the host fork (not a vfork): the
  // connections a program holds become undecided in both copies
  // (FlowShares::Share). Loopback connections, ones still in their
  // handshake and closed ones stay this process's. If the fork fails,
  // UnshareAfterFailedFork (lock not held) undoes it.
  void ShareForFork();
  void UnshareAfterFailedFork();
  // In the parent after the fork: wakes the sockets of the shared
  // connections, so a program waiting on one (an epoll set holding it, a
  // blocked read) polls it again and claims it: its peer's segments are
  // dropped until someone does, and would never wake it.
  void NotifyShared();
  // The process exits without closing its sockets: it lets go of the
  // undecided connections it holds, and the last holder of one sends
  // its FIN (once: nothing retransmits it after the exit).
  void ReleaseSharedAtExit();
  // In a forked child (docs/network.md "Processes"): the connections of
  // this copy of the stack that ShareForFork did not share belong to the
  // parent, which keeps serving them.
  // Forgets them without a packet (their sockets here see ECONNRESET),
  // empties the listeners' accept and SYN queues (listeners stay: new
  // connections may be steered here), and sends through `link` from now on.
  void BecomeForkedCopy(NetLink* link);
  // After a fork, in the parent: listeners nobody here has accepted or
  // polled on drop SYNs until someone does (TcpSocket::NoteAccepting), so
  // a pre-forking server's master does not queue connections its workers
  // were meant to take before they started accepting.
  void DelegateIdleListeners();
  // Sends through `link` from now on (a forked process's rings renewed
  // after a daemon restart); connections carry on.
  void ReplaceLink(NetLink* link);
  // A TCP listener or a UDP socket exists (something a forked copy may
  // receive on).
  bool HasReceivers() const;

  // The process exits (docs/network.md "Connections outliving their
  // process"): closes every TCP socket the program still holds as close()
  // would (unread data or SO_LINGER 0: a reset; a listener resets the
  // connections nobody accepted; else a FIN after the data), then appends
  // to `out` the connections still closing (FIN-WAIT-1/2, CLOSING,
  // LAST-ACK; their data, sequence numbers, options, timers and next
  // hop) for the daemon to finish with AdoptHandedOver (nothing if there
  // are none). False (nothing done) if the lock is not free within `spins`
  // tries. True: the lock stays taken, for good (ForkUnlock ends that:
  // tests), so no segment for a connection now the daemon's meets this
  // stack. Loopback connections and ones other processes share undecided
  // are left alone.
  bool HandOverAtExit(uint64_t spins, std::vector<std::byte>* out);
  // In the daemon, a stack standing for the exited process's address:
  // takes over the connections `records` describes (untrusted: anything
  // impossible is refused whole), each orphaned, and sends what they may.
  // Returns how many it took, or -1 if the records are malformed.
  int AdoptHandedOver(std::span<const std::byte> records);
  // Connections in the TCP table (the daemon drops an orphan stack with none).
  size_t tcp_connections() const;
  bool HasTcpConnection(Endpoint local, Endpoint remote) const;
  // Forgets the connections in TIME-WAIT, without a packet (the daemon's
  // orphan stack, when a new container takes its address: a new
  // connection of it could reuse one's 4-tuple).
  void ForgetTimeWait();
  // The address, prefix, gateway and MTU a handover's records were made
  // with (the daemon builds the stack that adopts them from these).
  static bool HandOverOrigin(std::span<const std::byte> records, StackConfig* cfg, uint16_t* mtu);

  // The stack must outlive every socket it made.
  // Bytes currently held in socket buffers (the per-container memory limit).
  size_t socket_mem() const { return sock_mem_; }

 private:
  friend class UdpSocket;
  friend class TcpSocket;
  friend struct TcpConn;
  friend class StackEntry;

  // --- callable only with lock_ held (suffix _l) ---
  uint64_t now() const { return now_; }
  void EthInput_l(std::span<const std::byte> frame);
  void ArpInput_l(std::span<const std::byte> p);
  void Ip4Input_l(std::span<const std::byte> p, bool from_loopback);
  void DeliverIp4_l(Ip4 src, Ip4 dst, uint8_t proto, std::span<const std::byte> ip_header,
                    std::span<const std::byte> payload, bool broadcast);
  void IcmpInput_l(Ip4 src, Ip4 dst, std::span<const std::byte> p);
  void UdpInput_l(Ip4 src, Ip4 dst, std::span<const std::byte> ip_header,
                  std::span<const std::byte> p, bool broadcast);
  void TcpInput_l(Ip4 src, Ip4 dst, std::span<const std::byte> p);
  void IcmpErrorInput_l(uint8_t type, uint8_t code, std::span<const std::byte> inner);

  // Sends an ICMP error quoting `ip_header` + 8 bytes of `payload`.
  void SendIcmpError_l(uint8_t type, uint8_t code, std::span<const std::byte> ip_header,
                       std::span<const std::byte> payload);
  // IPv4 output: routes, fragments (unless df), resolves and transmits.
  // Returns 0 or an errno (EHOSTUNREACH, ENETUNREACH, EMSGSIZE, ENOBUFS).
  int SendIp4_l(Ip4 src, Ip4 dst, uint8_t proto, std::span<const std::byte> l4, bool df);
  // Local address selection for a destination.
  Ip4 SourceFor(Ip4 dst) const;
  bool IsLocal(Ip4 ip) const { return ip == cfg_.addr || (ip >> 24) == 127; }
  bool IsBroadcast(Ip4 ip) const { return ip == 0xffffffff || ip == bcast_; }
  // One frame whose payload is `head` followed by `body` (an IPv4 header
  // and the packet's payload, kept apart so that neither is copied but
  // into the link's buffer).
  void SendFrame_l(MacAddr dst, uint16_t ethertype, std::span<const std::byte> head,
                   std::span<const std::byte> body = {});
  void SendArp_l(uint16_t op, MacAddr tha, Ip4 tpa, MacAddr eth_dst);
  void Notify_l(const void* key, const std::function<void()>& fn);
  // In a batch: lists `c` for an ACK at its end and returns true; outside
  // one: false (the caller acknowledges now).
  bool HoldAck_l(const TcpConn& c);
  void SendHeldAcks_l();
  uint64_t NextRandom();
  // Sends an IPv4 packet (`header` then `payload`) to a neighbour on the
  // link (ARP resolving first).
  void Transmit_l(Ip4 next_hop, std::span<const std::byte> header, std::span<const std::byte> payload);
  // Traffic from `dst` proved that our packets reach it (TCP acknowledged
  // new data): the ARP entry of its next hop is REACHABLE again.
  void ConfirmNeighbour_l(Ip4 dst);
  void DrainLoopback_l();
  void RunTimers_l();

  uint16_t EphemeralPort_l(uint8_t proto, Ip4 local_ip, Endpoint remote);
  // Before a program uses an undecided connection: claims it (true), or
  // forgets it, another process's (false; its socket reads ECONNRESET).
  bool DecideShared_l(TcpConn* c);
  // Processes the segments other processes parked for `c`, now ours.
  void TakeParked_l(TcpConn* c);
  // Parks or drops a segment of a connection this process does not serve.
  void ParkOrDrop_l(Endpoint local, Endpoint remote, std::span<const std::byte> seg);
  void ForgetShared_l(TcpConn* c);
  // TCP hooks (tcp_*.cc).
  bool TcpEphemeralFree_l(Ip4 local_ip, uint16_t port, Endpoint remote) const;
  void TcpIcmpError_l(Endpoint local, Endpoint remote, int err);
  void TcpTimers_l();
  // Ends the TIME-WAIT connections whose time is up (tw_queue_).
  void TcpExpireTimeWait_l();
  // The listener a segment to `local` goes to (one bound to its address
  // before one bound to 0.0.0.0), or null.
  std::shared_ptr<TcpConn> TcpListenerFor_l(Endpoint local) const;
  // A SYN that may end TIME-WAIT connection `c` of its 4-tuple and open a
  // new connection (Linux's TCP_TW_SYN): newer than anything of the old one.
  bool TcpTimeWaitTakesSyn_l(const TcpConn& c, uint32_t seq, uint8_t flags,
                             std::span<const std::byte> opts);
  // `iss`: the new connection's ISN (after a TIME-WAIT); else a fresh one.
  void TcpListenInput_l(const std::shared_ptr<TcpConn>& l, Endpoint local, Endpoint remote,
                        uint32_t seq, uint32_t ack, uint8_t flags, uint32_t wnd,
                        std::span<const std::byte> opts, std::span<const std::byte> data,
                        std::optional<uint32_t> iss = std::nullopt);
  void TcpSendRst_l(Endpoint local, Endpoint remote, uint32_t seq, uint32_t ack, bool with_ack);
  void EncodeHandOver_l(const std::vector<std::shared_ptr<TcpConn>>& conns,
                        std::vector<std::byte>* out);
  // close() of a socket's connection (TcpSocket::Close, and at exit).
  void TcpClose_l(TcpConn& c);
  // The neighbour a packet to `dst` goes to (0: no route).
  Ip4 NextHop(Ip4 dst) const;
  uint32_t TcpIsn_l();
  // Listener `l` takes no new connection now (handed to forked processes,
  // or its accept queue is full): counted, the SYN or ACK is dropped.
  bool TcpListenerRefuses_l(const TcpConn& l);
  // A passive connection in SYN-RECEIVED for listener `l`, in the tables and
  // counted in its SYN queue; the caller fills in the sequence numbers.
  std::shared_ptr<TcpConn> TcpNewChild_l(const std::shared_ptr<TcpConn>& l, Endpoint local,
                                         Endpoint remote);
  // SYN cookies (tcp_syncookie.cc): answer a SYN with a cookie SYN-ACK and
  // keep nothing; check the cookie an ACK to a listener returns and make
  // the connection from it.
  void TcpCookieSynAck_l(const std::shared_ptr<TcpConn>& l, Endpoint local, Endpoint remote,
                         uint32_t seq, const TcpOptions& o);
  void TcpCookieAck_l(const std::shared_ptr<TcpConn>& l, Endpoint local, Endpoint remote,
                      uint32_t seq, uint32_t ack, uint8_t flags, uint32_t wnd,
                      std::span<const std::byte> opts, std::span<const std::byte> data);
  uint64_t TcpNextDeadline_l() const;
  bool UdpPortInUse_l(Ip4 ip, uint16_t port, const UdpSocket* asker) const;

  NetLink* link_;
  StackConfig cfg_;
  PortFilter port_filter_;
  FlowShares* flow_shares_ = nullptr;
  // What the last ShareForFork shared: (connection, it was ours before).
  std::vector<std::pair<std::weak_ptr<TcpConn>, bool>> shared_in_fork_;
  MacAddr mac_;
  uint16_t mtu_;
  Ip4 mask_, bcast_;

  mutable std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
  uint64_t now_ = 0;
  uint64_t rng_;
  std::array<uint64_t, 2> cookie_key_;  // SipHash key of the SYN cookies
  uint16_t ip_id_ = 0;
  StackCounters c_;
  ArpCache arp_;
  Reassembler reasm_;
  std::deque<std::vector<std::byte>> loopback_;   // IPv4 packets to ourselves
  std::vector<const void*> wake_keys_;            // sockets to wake, after unlock
  std::vector<std::function<void()>> wake_fns_;
  // In InputBatch: connections owed an ACK for in-order data are listed
  // here (HoldAck_l) and answered once at the batch's end.
  bool holding_acks_ = false;
  std::vector<std::pair<std::pair<Endpoint, Endpoint>, const TcpConn*>> held_acks_;
  uint64_t icmp_tokens_ts_ = 0;
  uint32_t icmp_tokens_ = 0;
  size_t sock_mem_ = 0;
  // The TCP segment being sent (TcpConn::SendSegment), kept for its
  // capacity: no allocation per segment.
  std::vector<std::byte> tcp_segment_;

  // UDP: bound sockets by local port.
  std::multimap<uint16_t, UdpSocket*> udp_ports_;
  // TCP tables (tcp_*.cc).
  std::map<std::pair<Endpoint, Endpoint>, std::shared_ptr<TcpConn>> tcp_conns_;  // (local, remote)
  // The timer scans walk the registered connections not in TIME-WAIT; those
  // in TIME-WAIT (up to max_time_wait, 60 s each: most of a busy server's
  // connections) are looked at from a queue ordered by deadline. Walking
  // them all at every scheduling pass cut a server's rate by 5x. An entry
  // may be stale (its deadline moved): it is queued again at the new one.
  std::unordered_set<TcpConn*> timed_conns_;
  struct TimeWaitEntry {
    uint64_t at;  // a deadline of the connection's when queued
    Endpoint local, remote;
    auto operator<=>(const TimeWaitEntry&) const = default;
  };
  std::set<TimeWaitEntry> tw_queue_;
  std::multimap<uint16_t, std::shared_ptr<TcpConn>> tcp_listen_;  // by local port
  std::multimap<uint16_t, TcpConn*> tcp_bound_;  // sockets holding a local port
  size_t tcp_count_ = 0;               // connections counted against max_tcp_conns
  size_t tw_count_ = 0;                // registered connections in TIME-WAIT
};

}  // namespace junction::net
