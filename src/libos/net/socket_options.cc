#include "libos/net/socket_options.h"

#include <sys/socket.h>

#include <climits>
#include <cstring>

namespace junction::libos::net {

namespace {

// How Linux's sk_setsockopt treats an option.
enum class Kind {
  kUnknown,   // ENOPROTOOPT both ways
  kBool,      // kept as 0/1
  kInt,       // kept as given
  kLowat,     // SO_RCVLOWAT: negative is INT_MAX, 0 is 1
  kLinger,    // struct linger, l_onoff kept as 0/1
  kReadOnly,  // set: ENOPROTOOPT (a LibOS socket answers what it can)
  kOpaque,    // accepted (filters, devices...), not read back here
  kNotUnix,   // SO_REUSEPORT: EOPNOTSUPP on a unix socket
};

Kind KindOf(int name) {
  switch (name) {
    case SO_DEBUG: case SO_REUSEADDR: case SO_DONTROUTE: case SO_BROADCAST: case SO_KEEPALIVE:
    case SO_OOBINLINE: case SO_NO_CHECK: case SO_PASSSEC: case SO_TIMESTAMP: case SO_TIMESTAMPNS:
    case SO_RXQ_OVFL: case SO_WIFI_STATUS: case SO_NOFCS: case SO_SELECT_ERR_QUEUE:
    case 63 /*SO_TIMESTAMP_NEW*/: case 64 /*SO_TIMESTAMPNS_NEW*/: case 69 /*SO_PREFER_BUSY_POLL*/:
    case 74 /*SO_TXREHASH*/: case 75 /*SO_RCVMARK*/: case 76 /*SO_PASSPIDFD*/:
      return Kind::kBool;
    case SO_PRIORITY: case SO_MARK: case SO_PEEK_OFF: case SO_BUSY_POLL: case SO_INCOMING_CPU:
    case SO_MAX_PACING_RATE: case 70 /*SO_BUSY_POLL_BUDGET*/: case 72 /*SO_BUF_LOCK*/:
      return Kind::kInt;
    case SO_RCVLOWAT: return Kind::kLowat;
    case SO_LINGER: return Kind::kLinger;
    case SO_TYPE: case SO_PROTOCOL: case SO_DOMAIN: case SO_ERROR: case SO_ACCEPTCONN: case SO_PEERCRED:
    case SO_PEERNAME: case SO_PEERSEC: case SO_SNDLOWAT: case SO_COOKIE: case SO_MEMINFO:
    case SO_INCOMING_NAPI_ID: case SO_PEERGROUPS: case SO_BPF_EXTENSIONS: case 71 /*SO_NETNS_COOKIE*/:
    case 77 /*SO_PEERPIDFD*/:
      return Kind::kReadOnly;
    case SO_BSDCOMPAT: case SO_SNDBUFFORCE: case SO_RCVBUFFORCE: case SO_ATTACH_FILTER: case SO_DETACH_FILTER:
    case SO_LOCK_FILTER: case SO_ATTACH_BPF: case SO_ATTACH_REUSEPORT_CBPF: case SO_ATTACH_REUSEPORT_EBPF:
    case 68 /*SO_DETACH_REUSEPORT_BPF*/: case SO_BINDTODEVICE: case 62 /*SO_BINDTOIFINDEX*/:
    case SO_TIMESTAMPING: case 65 /*SO_TIMESTAMPING_NEW*/: case SO_TXTIME: case SO_ZEROCOPY:
    case SO_CNX_ADVICE: case 73 /*SO_RESERVE_MEM*/:
      return Kind::kOpaque;
    case SO_REUSEPORT: return Kind::kNotUnix;
    default: return Kind::kUnknown;
  }
}

template <typename T>
std::vector<char> Bytes(const T& v) {
  return std::vector<char>(reinterpret_cast<const char*>(&v), reinterpret_cast<const char*>(&v) + sizeof(v));
}

}  // namespace

SysResult<void> GenericSocketOptions::Set(int name, const std::vector<char>& val) {
  Kind k = KindOf(name);
  switch (k) {
    case Kind::kUnknown:
    case Kind::kReadOnly: return Errno{ENOPROTOOPT};
    case Kind::kNotUnix: return Errno{EOPNOTSUPP};
    case Kind::kOpaque: return {};
    case Kind::kLinger: {
      if (val.size() < sizeof(linger)) return Errno{EINVAL};
      linger l;
      std::memcpy(&l, val.data(), sizeof(l));
      linger kept{0, 0};
      sched::SpinGuard g(lock_);
      auto it = values_.find(name);
      if (it != values_.end()) std::memcpy(&kept, it->second.data(), sizeof(kept));
      kept.l_onoff = l.l_onoff != 0;
      if (l.l_onoff) kept.l_linger = l.l_linger < 0 ? 0 : l.l_linger;
      values_[name] = Bytes(kept);
      return {};
    }
    default: break;
  }
  if (val.size() < sizeof(int)) return Errno{EINVAL};
  int v;
  std::memcpy(&v, val.data(), sizeof(v));
  if (k == Kind::kBool) v = v != 0;
  if (k == Kind::kLowat) v = v < 0 ? INT_MAX : (v ? v : 1);
  std::vector<char> bytes = Bytes(v);
  sched::SpinGuard g(lock_);
  values_[name] = std::move(bytes);
  return {};
}

SysResult<void> GenericSocketOptions::Get(int name, std::vector<char>* val) const {
  Kind k = KindOf(name);
  sched::SpinGuard g(lock_);
  auto it = values_.find(name);
  switch (k) {
    case Kind::kUnknown:
    case Kind::kReadOnly:
    case Kind::kOpaque:
    case Kind::kNotUnix:
      // SO_REUSEPORT reads back 0 (it cannot be set); the rest as before.
      if (k == Kind::kNotUnix) {
        *val = Bytes(0);
        return {};
      }
      if (name == SO_SNDLOWAT) {
        *val = Bytes(1);
        return {};
      }
      return Errno{ENOPROTOOPT};
    case Kind::kLinger:
      *val = it != values_.end() ? it->second : Bytes(linger{0, 0});
      return {};
    default:
      break;
  }
  if (it != values_.end()) {
    *val = it->second;
    return {};
  }
  int v = 0;
  if (k == Kind::kLowat) v = 1;
  if (name == SO_PEEK_OFF) v = -1;  // no peek offset
  *val = Bytes(v);
  return {};
}

std::map<int, std::vector<char>> GenericSocketOptions::Values() const {
  sched::SpinGuard g(lock_);
  return values_;
}

}  // namespace junction::libos::net
