// AF_NETLINK/NETLINK_ROUTE sockets in bypass mode: the container's own
// interfaces (rtnetlink.cc) instead of the host's. Replies are queued as
// datagrams when the request is sent; reading never waits for the "kernel".
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstring>
#include <deque>

#include "libos/fs/file.h"
#include "libos/ipc/ipc.h"
#include "libos/net/bypass.h"
#include "libos/net/rtnetlink.h"
#include "libos/net/socket.h"
#include "libos/process.h"
#include "net/switch_frame.h"
#include "sched/spinlock.h"

namespace junction::libos::net {

namespace {

class RouteNetlink : public Socket {
 public:
  RouteNetlink(int type, int flags)
      : Socket(O_RDWR | (flags & O_NONBLOCK), ""), type_(type), ino_(ipc::NextAnonIno()) {
    set_path("socket:[" + std::to_string(ino_) + "]");
    ifs_ = BypassInterfaces();
  }

  SysResult<void> Bind(const std::string& addr) override {
    sockaddr_nl nl = TRY(ParseNl(addr));
    sched::SpinGuard g(lock_);
    if (nl.nl_pid && nl.nl_pid != PortId()) return Errno{EADDRINUSE};  // one socket per process here
    groups_ = nl.nl_groups;  // accepted; no notifications are ever sent
    return {};
  }
  SysResult<void> Listen(int) override { return Errno{EOPNOTSUPP}; }
  SysResult<fs::FilePtr> Accept(int, std::string*) override { return Errno{EOPNOTSUPP}; }
  SysResult<void> Connect(const std::string& addr) override {
    sockaddr_nl nl = TRY(ParseNl(addr));
    if (nl.nl_pid != 0) return Errno{ECONNREFUSED};  // only the kernel answers
    return {};
  }
  SysResult<size_t> SendMsg(const Msg& m, int) override {
    if (!m.addr.empty()) {
      sockaddr_nl nl = TRY(ParseNl(m.addr));
      if (nl.nl_pid != 0) return Errno{ECONNREFUSED};
    }
    std::vector<std::string> replies;
    RtnetlinkRequest(ifs_, m.data, PortId(), &replies);
    {
      sched::SpinGuard g(lock_);
      for (auto& r : replies) rx_.push_back(std::move(r));
    }
    hub().Notify(EPOLLIN);
    return m.data.size();
  }
  SysResult<size_t> RecvMsg(Msg* m, size_t len, int flags) override {
    sched::SpinGuard g(lock_);
    if (rx_.empty()) return Errno{EAGAIN};  // replies come with the request, so nothing is coming
    const std::string& d = rx_.front();
    size_t n = std::min(len, d.size());
    m->data.assign(d.data(), d.data() + n);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    m->addr.assign(reinterpret_cast<const char*>(&kernel), sizeof(kernel));
    if (n < d.size()) m->flags |= MSG_TRUNC;
    size_t full = d.size();
    if (!(flags & MSG_PEEK)) rx_.pop_front();
    return (flags & MSG_TRUNC) ? full : n;
  }
  SysResult<void> Shutdown(int) override { return {}; }
  SysResult<std::string> Name(bool peer) override {
    sockaddr_nl nl{};
    nl.nl_family = AF_NETLINK;
    if (!peer) {
      sched::SpinGuard g(lock_);
      nl.nl_pid = PortId();
      nl.nl_groups = groups_;
    }
    return std::string(reinterpret_cast<const char*>(&nl), sizeof(nl));
  }
  SysResult<void> GetOpt(int level, int name, std::vector<char>* val) override {
    int v;
    if (level == SOL_SOCKET && name == SO_TYPE) v = type_;
    else if (level == SOL_SOCKET && name == SO_DOMAIN) v = AF_NETLINK;
    else if (level == SOL_SOCKET && name == SO_PROTOCOL) v = NETLINK_ROUTE;
    else if (level == SOL_SOCKET && name == SO_ERROR) v = 0;
    else if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF)) v = 212992;
    else return Errno{ENOPROTOOPT};
    val->assign(reinterpret_cast<char*>(&v), reinterpret_cast<char*>(&v) + sizeof(v));
    return {};
  }
  SysResult<void> SetOpt(int level, int name, const std::vector<char>&) override {
    // Buffer sizes and NETLINK_EXT_ACK/GET_STRICT_CHK/NO_ENOBUFS change
    // nothing here: replies are complete and never dropped.
    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF || name == SO_RCVBUFFORCE ||
                                name == SO_SNDBUFFORCE || name == SO_PASSCRED || name == SO_RCVTIMEO ||
                                name == SO_SNDTIMEO))
      return {};
    if (level == SOL_NETLINK && (name == NETLINK_EXT_ACK || name == NETLINK_GET_STRICT_CHK ||
                                 name == NETLINK_NO_ENOBUFS || name == NETLINK_CAP_ACK))
      return {};
    return Errno{ENOPROTOOPT};
  }
  SysResult<void> Stat(struct stat* st) override {
    *st = fs::SyntheticStat(ipc::kAnonDev, ino_, S_IFSOCK | 0777);
    return {};
  }
  uint32_t Poll() override {
    sched::SpinGuard g(lock_);
    return (EPOLLOUT | EPOLLWRNORM) | (rx_.empty() ? 0 : (EPOLLIN | EPOLLRDNORM));
  }
  bool host_pollable() const override { return false; }
  SysResult<int> Available() override {
    sched::SpinGuard g(lock_);
    return rx_.empty() ? 0 : static_cast<int>(rx_.front().size());
  }

 private:
  static SysResult<sockaddr_nl> ParseNl(const std::string& a) {
    if (a.size() < sizeof(sockaddr_nl)) return Errno{EINVAL};
    sockaddr_nl nl;
    std::memcpy(&nl, a.data(), sizeof(nl));
    if (nl.nl_family != AF_NETLINK) return Errno{EINVAL};
    return nl;
  }
  // The port id Linux gives the first netlink socket of a process.
  static uint32_t PortId() { return static_cast<uint32_t>(CurrentProcess().host_pid); }

  int type_;
  uint64_t ino_;
  RtInterfaces ifs_;
  sched::SpinLock lock_;  // guards rx_, groups_
  std::deque<std::string> rx_;
  uint32_t groups_ = 0;
};

}  // namespace

RtInterfaces BypassInterfaces() {
  const config::NetConfig& nc = CurrentProcess().config->net;
  RtInterfaces ifs;
  ifs.addr = nc.address->addr;
  ifs.prefix = nc.address->prefix;
  ifs.gateway = nc.gateway.value_or(0);
  ifs.mtu = static_cast<uint32_t>(nc.mtu);
  junction::net::Mac m = junction::net::ContainerMac(ifs.addr);
  std::memcpy(ifs.mac, m.data(), 6);
  return ifs;
}

SysResult<fs::FilePtr> MakeBypassNetlink(int type, int protocol) {
  if (!BypassMode()) return Errno{EAFNOSUPPORT};
  int base = type & 0xf;
  if (base != SOCK_RAW && base != SOCK_DGRAM) return Errno{ESOCKTNOSUPPORT};
  if (protocol != NETLINK_ROUTE) return Errno{EPROTONOSUPPORT};
  return fs::FilePtr(std::make_shared<RouteNetlink>(base, (type & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
}

}  // namespace junction::libos::net
