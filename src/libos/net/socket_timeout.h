// SO_RCVTIMEO/SO_SNDTIMEO values as Linux keeps them (net/core/sock.c
// sock_set_timeout, sock_get_timeout): in jiffies of the host's HZ, a set
// value rounded up to a whole jiffy and read back so.
#pragma once

#include <sys/time.h>

#include <cstdint>
#include <vector>

#include "libos/syscalls/user_memory.h"

namespace junction::libos::net {

// SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW: a struct __kernel_sock_timeval, laid
// out as a timeval on x86-64 (the same values as the old options).
inline constexpr int kSoRcvtimeoNew = 66, kSoSndtimeoNew = 67;

// The timeout setsockopt(`val`) sets, in ns: 0 = none (wait forever, as a
// zero timeval asks); a negative tv_sec gives the shortest (Linux's zero
// jiffies: a blocking call fails at once). EINVAL for a short value,
// EDOM for tv_usec out of range.
SysResult<uint64_t> SocketTimeoutOpt(const std::vector<char>& val);
// What getsockopt reads back for a timeout of `ns` (0: none).
timeval SocketTimeoutTimeval(uint64_t ns);

}  // namespace junction::libos::net
