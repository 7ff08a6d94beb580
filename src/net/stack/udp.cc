// UDP (RFC 768): port table, demultiplexing (connected > bound address >
// wildcard; SO_REUSEPORT groups spread by source), broadcast delivery,
// checksums, and the socket operations.
#include "net/stack/udp.h"

#include <algorithm>
#include <cstring>

#include "net/stack/stack_entry.h"

namespace junction::net {

UdpSocket::UdpSocket(NetStack* s) : s_(s) {}

UdpSocket::~UdpSocket() {
  StackEntry e(s_);
  Unbind_l();
  s_->sock_mem_ -= rx_bytes_;
}

std::shared_ptr<UdpSocket> NetStack::NewUdpSocket() { return std::make_shared<UdpSocket>(this); }

void UdpSocket::set_notify(std::function<void()> fn) {
  StackEntry e(s_);
  notify_ = std::move(fn);
}

bool NetStack::UdpPortInUse_l(Ip4 ip, uint16_t port, const UdpSocket* asker) const {
  auto [lo, hi] = udp_ports_.equal_range(port);
  for (auto it = lo; it != hi; ++it) {
    const UdpSocket* o = it->second;
    if (o == asker) continue;
    bool overlap = ip == 0 || o->local_.ip == 0 || ip == o->local_.ip;
    if (!overlap) continue;
    if (asker && ((asker->reuse_addr_ && o->reuse_addr_) || (asker->reuse_port_ && o->reuse_port_)))
      continue;
    return true;
  }
  return false;
}

void UdpSocket::Unbind_l() {
  if (!bound_) return;
  auto [lo, hi] = s_->udp_ports_.equal_range(local_.port);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == this) {
      s_->udp_ports_.erase(it);
      break;
    }
  }
  bound_ = false;
}

SysResult<void> UdpSocket::Bind(Endpoint local) {
  StackEntry e(s_);
  if (bound_) return Errno{EINVAL};
  if (local.ip != 0 && !s_->IsLocal(local.ip) && !s_->IsBroadcast(local.ip))
    return Errno{EADDRNOTAVAIL};
  if (local.port == 0) {
    local.port = s_->EphemeralPort_l(kProtoUdp, local.ip, {});
    if (local.port == 0) return Errno{EADDRINUSE};
  } else if (s_->UdpPortInUse_l(local.ip, local.port, this)) {
    return Errno{EADDRINUSE};
  }
  local_ = local;
  bound_ = true;
  s_->udp_ports_.emplace(local.port, this);
  return {};
}

SysResult<void> UdpSocket::BindEphemeral_l() {
  if (bound_) return {};
  uint16_t port = s_->EphemeralPort_l(kProtoUdp, 0, {});
  if (port == 0) return Errno{EAGAIN};
  local_.port = port;
  bound_ = true;
  s_->udp_ports_.emplace(port, this);
  return {};
}

SysResult<void> UdpSocket::Connect(Endpoint remote) {
  StackEntry e(s_);
  if (remote.ip == 0) {  // AF_UNSPEC: dissolve the association
    remote_ = {};
    return {};
  }
  if (remote.port == 0) return Errno{EINVAL};
  if (s_->IsBroadcast(remote.ip) && !broadcast_) return Errno{EACCES};
  TRY_VOID(BindEphemeral_l());
  remote_ = remote;
  error_ = 0;
  return {};
}

SysResult<size_t> UdpSocket::SendTo(std::span<const std::byte> data, const Endpoint* to) {
  StackEntry e(s_);
  Endpoint dst = to ? *to : remote_;
  if (dst.ip == 0 && !to) return Errno{EDESTADDRREQ};
  if (dst.port == 0) return Errno{EINVAL};
  if (dst.ip == 0) dst.ip = s_->cfg_.addr;  // INADDR_ANY as a destination: this host
  if (s_->IsBroadcast(dst.ip) && !broadcast_) return Errno{EACCES};
  if (data.size() > 65535 - kIp4HeaderLen - kUdpHeaderLen) return Errno{EMSGSIZE};
  if (data.size() > sndbuf_) return Errno{EMSGSIZE};
  TRY_VOID(BindEphemeral_l());
  Ip4 src = local_.ip != 0 && !s_->IsBroadcast(local_.ip) ? local_.ip : s_->SourceFor(dst.ip);
  std::vector<std::byte> d(kUdpHeaderLen + data.size());
  Store16(&d[0], local_.port);
  Store16(&d[2], dst.port);
  Store16(&d[4], static_cast<uint16_t>(d.size()));
  if (!data.empty()) std::memcpy(&d[kUdpHeaderLen], data.data(), data.size());
  uint16_t sum = ChecksumFinish(
      ChecksumPartial(d, PseudoHeaderSum(src, dst.ip, kProtoUdp, static_cast<uint16_t>(d.size()))));
  Store16(&d[6], sum == 0 ? 0xffff : sum);  // 0 means "no checksum"
  int err = s_->SendIp4_l(src, dst.ip, kProtoUdp, d, df_);
  if (err) return Errno{err};
  s_->c_.udp_out++;
  return data.size();
}

SysResult<size_t> UdpSocket::RecvFrom(std::span<std::byte> buf, int flags, Endpoint* from,
                                      bool* truncated) {
  StackEntry e(s_);
  if (rx_.empty()) {
    if (error_) {
      int err = error_;
      error_ = 0;
      return Errno{err};
    }
    return Errno{EAGAIN};
  }
  Datagram& d = rx_.front();
  size_t n = std::min(buf.size(), d.data.size());
  if (n) std::memcpy(buf.data(), d.data.data(), n);
  if (from) *from = d.from;
  if (truncated) *truncated = n < d.data.size();
  size_t ret = (flags & kMsgTrunc) ? d.data.size() : n;
  if (!(flags & kMsgPeek)) {
    rx_bytes_ -= d.data.size();
    s_->sock_mem_ -= d.data.size();
    rx_.pop_front();
  }
  return ret;
}

uint32_t UdpSocket::Events() const {
  StackEntry e(s_);
  uint32_t ev = kEvOut;
  if (!rx_.empty()) ev |= kEvIn;
  if (error_) ev |= kEvErr;
  return ev;
}

size_t UdpSocket::NextSize() const {
  StackEntry e(s_);
  return rx_.empty() ? 0 : rx_.front().data.size();
}

Endpoint UdpSocket::local() const {
  StackEntry e(s_);
  return local_;
}

SysResult<Endpoint> UdpSocket::peer() const {
  StackEntry e(s_);
  if (remote_.ip == 0) return Errno{ENOTCONN};
  return remote_;
}

int UdpSocket::TakeError() {
  StackEntry e(s_);
  int err = error_;
  error_ = 0;
  return err;
}

void UdpSocket::Deliver_l(Endpoint from, std::span<const std::byte> data) {
  if (rx_bytes_ + data.size() > rcvbuf_ || s_->sock_mem_ + data.size() > s_->cfg_.max_socket_mem) {
    s_->c_.udp_rcvbuf_drops++;
    return;
  }
  rx_.push_back({from, std::vector<std::byte>(data.begin(), data.end())});
  rx_bytes_ += data.size();
  s_->sock_mem_ += data.size();
  s_->Notify_l(this, notify_);
}

void UdpSocket::IcmpError_l(int err) {
  error_ = err;
  s_->Notify_l(this, notify_);
}

void NetStack::UdpInput_l(Ip4 src, Ip4 dst, std::span<const std::byte> header,
                          std::span<const std::byte> p, bool bcast) {
  if (p.size() < kUdpHeaderLen) {
    c_.udp_bad++;
    return;
  }
  uint16_t len = Load16(&p[4]);
  if (len < kUdpHeaderLen || len > p.size()) {
    c_.udp_bad++;
    return;
  }
  p = p.first(len);
  if (Load16(&p[6]) != 0 &&
      ChecksumFinish(ChecksumPartial(p, PseudoHeaderSum(src, dst, kProtoUdp, len))) != 0) {
    c_.udp_bad++;
    return;
  }
  c_.udp_in++;
  Endpoint from{src, Load16(&p[0])};
  uint16_t dport = Load16(&p[2]);
  auto data = p.subspan(kUdpHeaderLen);
  auto [lo, hi] = udp_ports_.equal_range(dport);
  if (bcast) {
    // Every socket on the port whose address matches gets a copy.
    bool any = false;
    for (auto it = lo; it != hi; ++it) {
      UdpSocket* s = it->second;
      if ((s->local_.ip == 0 || s->local_.ip == dst) &&
          (s->remote_.ip == 0 || s->remote_ == from)) {
        s->Deliver_l(from, data);
        any = true;
      }
    }
    if (!any) c_.udp_no_port++;
    return;
  }
  // Unicast: the most specific match; a SO_REUSEPORT group shares by source.
  UdpSocket* best = nullptr;
  int best_score = -1;
  std::vector<UdpSocket*> group;
  for (auto it = lo; it != hi; ++it) {
    UdpSocket* s = it->second;
    if (s->local_.ip != 0 && s->local_.ip != dst) continue;
    if (s->remote_.ip != 0 && s->remote_ != from) continue;
    int score = (s->local_.ip != 0 ? 1 : 0) + (s->remote_.ip != 0 ? 2 : 0);
    if (score > best_score) {
      best_score = score;
      best = s;
      group.clear();
    }
    if (score == best_score && s->reuse_port_) group.push_back(s);
  }
  if (!best) {
    c_.udp_no_port++;
    SendIcmpError_l(3, 3, header, p);  // port unreachable
    return;
  }
  if (group.size() > 1 && best->reuse_port_) {
    uint32_t h = (src * 2654435761u) ^ from.port;
    best = group[h % group.size()];
  }
  best->Deliver_l(from, data);
}

}  // namespace junction::net
