// Sends as the handlers hand them to sockets: the caller's iovecs, left in
// place for a socket that copies them itself (a unix stream socket, in
// Linux's units), else gathered into one LibOS buffer first.
#include <algorithm>

#include "libos/net/socket.h"

namespace junction::libos::net {

Msg Msg::Without(size_t n) const {
  Msg rest = *this;
  if (iov.empty()) {
    rest.data.erase(rest.data.begin(), rest.data.begin() + static_cast<long>(std::min(n, data.size())));
    return rest;
  }
  rest.iov_valid = iov_valid > n ? iov_valid - n : 0;
  auto it = rest.iov.begin();
  while (it != rest.iov.end() && n >= it->iov_len) n -= (it++)->iov_len;
  rest.iov.erase(rest.iov.begin(), it);
  if (!rest.iov.empty()) {
    rest.iov[0].iov_base = static_cast<char*>(rest.iov[0].iov_base) + n;
    rest.iov[0].iov_len -= n;
  }
  return rest;
}

SysResult<Msg> Msg::Gathered() const {
  if (iov.empty()) return *this;
  Msg m = *this;
  m.iov.clear();
  m.data.resize(std::min(length(), iov_valid));
  size_t off = 0;
  for (const iovec& v : iov) {
    size_t n = std::min(v.iov_len, m.data.size() - off);
    size_t c = SafeCopyCount(m.data.data() + off, v.iov_base, n);
    off += c;
    if (c < n || off == m.data.size()) break;
  }
  if (!off && length()) return Errno{EFAULT};
  m.data.resize(off);
  return m;
}

SysResult<size_t> Socket::SendIovecs(const iovec* iov, size_t cnt, size_t valid, int flags, Msg m) {
  size_t total = 0;
  for (size_t i = 0; i < cnt; i++) total += iov[i].iov_len;
  if (sends_in_place()) {
    m.iov.assign(iov, iov + cnt);
    m.iov_valid = valid;
    return SendMsg(m, flags);
  }
  // Memory that is not the guest's fails before a copy is sized.
  if (valid < total) return Errno{EFAULT};
  m.data.resize(total);
  size_t off = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (!SafeCopy(m.data.data() + off, iov[i].iov_base, iov[i].iov_len)) return Errno{EFAULT};
    off += iov[i].iov_len;
  }
  return SendMsg(m, flags);
}

}  // namespace junction::libos::net
