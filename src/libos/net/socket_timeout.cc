#include "libos/net/socket_timeout.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "libos/host/host.h"

namespace junction::libos::net {

namespace {

// One jiffy in ns: the host's SO_RCVTIMEO granularity, read back from a
// one-microsecond timeout set on a scratch host socket (HZ is not
// otherwise visible to a process). 1 us if the probe fails.
uint64_t JiffyNs() {
  static const uint64_t jiffy = [] {
    long fd = host::Syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return uint64_t{1000};
    timeval tv{0, 1}, got{0, 0};
    socklen_t len = sizeof(got);
    uint64_t ns = 1000;
    if (host::Syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, host::L(&tv), sizeof(tv)) == 0 &&
        host::Syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, host::L(&got), host::L(&len)) == 0 &&
        got.tv_sec == 0 && got.tv_usec > 0)
      ns = static_cast<uint64_t>(got.tv_usec) * 1000;
    host::Syscall(SYS_close, fd);
    return ns;
  }();
  return jiffy;
}

}  // namespace

SysResult<uint64_t> SocketTimeoutOpt(const std::vector<char>& val) {
  if (val.size() < sizeof(timeval)) return Errno{EINVAL};
  timeval tv;
  std::memcpy(&tv, val.data(), sizeof(tv));
  if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return Errno{EDOM};
  if (tv.tv_sec < 0) return uint64_t{1};  // zero jiffies: reads back as 0, fails at once
  // Over 30 years would overflow the ns: as good as forever.
  if (tv.tv_sec >= 1'000'000'000) return uint64_t{0};
  uint64_t jiffy = JiffyNs();
  uint64_t us = static_cast<uint64_t>(tv.tv_usec), jiffy_us = jiffy / 1000;
  return static_cast<uint64_t>(tv.tv_sec) * 1'000'000'000 + (us + jiffy_us - 1) / jiffy_us * jiffy;
}

timeval SocketTimeoutTimeval(uint64_t ns) {
  uint64_t jiffy = JiffyNs();
  ns = ns / jiffy * jiffy;
  return timeval{static_cast<time_t>(ns / 1'000'000'000), static_cast<suseconds_t>(ns % 1'000'000'000 / 1000)};
}

}  // namespace junction::libos::net
