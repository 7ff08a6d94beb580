// TCP sockets (RFC 9293) on a NetStack. Non-blocking at this level: calls
// that would wait return EAGAIN (connect: EINPROGRESS) and the socket layer
// sleeps until the notify callback fires, then asks Events() again.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "base/sys_result.h"
#include "net/stack/stack.h"
#include "net/stack/udp.h"  // kEv*, kMsg*

namespace junction::net {

enum class TcpState : uint8_t {
  kClosed, kListen, kSynSent, kSynReceived, kEstablished, kFinWait1, kFinWait2,
  kCloseWait, kClosing, kLastAck, kTimeWait,
};
const char* TcpStateName(TcpState s);

// The fields of Linux's struct tcp_info that programs read.
struct TcpInfo {
  TcpState state = TcpState::kClosed;
  uint32_t rto_us = 0, ato_us = 0, snd_mss = 0, rcv_mss = 0;
  uint32_t unacked = 0, sacked = 0, retrans = 0, total_retrans = 0;
  uint32_t rtt_us = 0, rttvar_us = 0, snd_ssthresh = 0, snd_cwnd = 0;  // cwnd in segments
  uint32_t advmss = 0, rcv_space = 0, snd_wnd = 0;
  uint8_t snd_wscale = 0, rcv_wscale = 0;
  bool ts = false, sack = false, wscale = false;
  uint64_t bytes_acked = 0, bytes_received = 0;
};

class TcpSocket {
 public:
  TcpSocket(NetStack* s, std::shared_ptr<TcpConn> c);
  ~TcpSocket();  // Close() if the program did not
  TcpSocket(const TcpSocket&) = delete;
  TcpSocket& operator=(const TcpSocket&) = delete;

  SysResult<void> Bind(Endpoint local);
  SysResult<void> Listen(int backlog);
  // Starts the handshake: EINPROGRESS on success (wait for kEvOut, then
  // TakeError), EISCONN/EALREADY as Linux.
  SysResult<void> Connect(Endpoint remote);
  SysResult<std::shared_ptr<TcpSocket>> Accept(Endpoint* peer);
  // Bytes queued (maybe fewer than asked), EAGAIN when the send buffer is
  // full, EPIPE after shutdown/close of the write side or a reset (the
  // socket layer raises SIGPIPE unless MSG_NOSIGNAL).
  SysResult<size_t> Send(std::span<const std::byte> data);
  // Bytes copied, 0 at end of stream, EAGAIN when nothing is there yet.
  SysResult<size_t> Recv(std::span<std::byte> buf, int flags);
  SysResult<void> Shutdown(bool rd, bool wr);
  // Graceful close (FIN after the queued data), or a reset if unread data
  // remains or SO_LINGER with a zero timeout is set. The connection lives on
  // in the stack until it finishes; the socket is unusable afterwards.
  void Close();
  // close() with SO_LINGER {1, N > 0} (Linux's tcp_close with a timeout):
  // closes as Close() does but keeps watching the connection, calling
  // `notify` (with no stack lock held) when FinUnacked() may have changed.
  // Close() afterwards stops watching.
  void CloseWatching(std::function<void()> notify);
  // Our data or FIN still waits for the peer's acknowledgment: FIN-WAIT-1,
  // CLOSING or LAST-ACK (Linux's sk_stream_closing). False once the
  // connection is gone (reset, timed out, forgotten after a fork).
  bool FinUnacked() const;

  uint32_t Events() const;
  int TakeError();
  Endpoint local() const;
  SysResult<Endpoint> peer() const;
  TcpInfo Info() const;
  TcpState state() const;
  size_t Readable() const;    // FIONREAD
  size_t Unsent() const;      // SIOCOUTQ: bytes not yet acknowledged
  bool listening() const;
  // The program accepts (or polls) on this listener: it takes SYNs even if
  // NetStack::DelegateIdleListeners marked it.
  void NoteAccepting();
  // Shared by a fork and not yet claimed by any process (docs/network.md
  // "Processes"). Recv, Send, Shutdown claim it (or find another process
  // did: ECONNRESET); Close forgets it unless this was the last holder.
  bool undecided() const;
  // The program polls this connection: with nothing to read, it waits
  // for the peer, so it claims the connection. (Until then Events() says
  // kEvIn, so that whoever waits on it polls.)
  void NotePolled();

  void set_notify(std::function<void()> fn);
  void set_nodelay(bool v);
  bool nodelay() const;
  // TCP_CONGESTION: "cubic" (default) or "reno"; false for any other name.
  bool set_congestion(std::string_view name);
  std::string_view congestion() const;
  void set_keepalive(bool v, uint32_t idle_s = 0, uint32_t intvl_s = 0, uint32_t cnt = 0);
  bool keepalive() const;
  void set_reuse_addr(bool v);
  void set_rcvbuf(size_t v);
  void set_sndbuf(size_t v);
  size_t rcvbuf() const;
  size_t sndbuf() const;
  void set_linger(bool on, int secs);

 private:
  // Close()'s work, lock held: false if only this process's copy of a
  // connection a fork shared was forgotten (c_ is reset then).
  bool Close_l();

  NetStack* s_;
  std::shared_ptr<TcpConn> c_;
};

}  // namespace junction::net
