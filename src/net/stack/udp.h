// UDP sockets (RFC 768) on a NetStack: bind/connect, sendto/recvfrom with
// datagram boundaries, broadcast, SO_REUSEADDR/SO_REUSEPORT. Non-blocking
// at this level: an empty queue is EAGAIN and the socket layer waits for
// the notify callback.
#pragma once

#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "base/sys_result.h"
#include "net/stack/stack.h"

namespace junction::net {

// poll(2) bits, as this layer reports readiness.
inline constexpr uint32_t kEvIn = 0x001, kEvOut = 0x004, kEvErr = 0x008, kEvHup = 0x010,
                          kEvRdHup = 0x2000;

// recv/send flags understood here (same values as Linux).
inline constexpr int kMsgPeek = 0x02, kMsgTrunc = 0x20, kMsgDontWait = 0x40,
                     kMsgWaitAll = 0x100, kMsgNoSignal = 0x4000;

class UdpSocket {
 public:
  UdpSocket(NetStack* s);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // ip 0 = any; port 0 = an ephemeral port.
  SysResult<void> Bind(Endpoint local);
  // ip 0 disconnects (AF_UNSPEC).
  SysResult<void> Connect(Endpoint remote);
  // `to` nullptr: the connected peer (EDESTADDRREQ if none). Returns bytes.
  SysResult<size_t> SendTo(std::span<const std::byte> data, const Endpoint* to);
  // Copies the next datagram into buf; returns its bytes copied, or with
  // kMsgTrunc its full length. *truncated says whether it did not fit.
  SysResult<size_t> RecvFrom(std::span<std::byte> buf, int flags, Endpoint* from,
                             bool* truncated);

  uint32_t Events() const;
  // Size of the next datagram (FIONREAD), 0 if none.
  size_t NextSize() const;
  Endpoint local() const;
  SysResult<Endpoint> peer() const;
  int TakeError();  // SO_ERROR: pending ICMP error, cleared

  void set_reuse_addr(bool v) { reuse_addr_ = v; }
  void set_reuse_port(bool v) { reuse_port_ = v; }
  void set_broadcast(bool v) { broadcast_ = v; }
  void set_dont_fragment(bool v) { df_ = v; }
  bool reuse_addr() const { return reuse_addr_; }
  bool reuse_port() const { return reuse_port_; }
  bool broadcast() const { return broadcast_; }
  void set_rcvbuf(size_t v) { rcvbuf_ = v; }
  size_t rcvbuf() const { return rcvbuf_; }
  void set_sndbuf(size_t v) { sndbuf_ = v; }
  size_t sndbuf() const { return sndbuf_; }
  // Called (without the stack lock) when Events() may have changed.
  void set_notify(std::function<void()> fn);

 private:
  friend class NetStack;
  struct Datagram {
    Endpoint from;
    std::vector<std::byte> data;
  };
  SysResult<void> BindEphemeral_l();
  void Unbind_l();
  void Deliver_l(Endpoint from, std::span<const std::byte> data);
  void IcmpError_l(int err);

  NetStack* s_;
  Endpoint local_;
  Endpoint remote_;  // ip 0: not connected
  bool bound_ = false;
  bool reuse_addr_ = false, reuse_port_ = false, broadcast_ = false, df_ = false;
  size_t rcvbuf_ = 212992, sndbuf_ = 212992;
  std::deque<Datagram> rx_;
  size_t rx_bytes_ = 0;
  int error_ = 0;
  std::function<void()> notify_;
};

}  // namespace junction::net
