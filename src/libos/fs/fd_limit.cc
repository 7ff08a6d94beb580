#include "libos/fs/fd_limit.h"

#include <linux/capability.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>

#include "libos/fs/fd_table.h"
#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

// The host process has CAP_SYS_RESOURCE (looked at once, at start).
bool g_host_may_raise = false;

bool HostHasCapSysResource() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (host::Syscall(SYS_capget, host::L(&hdr), host::L(data)) != 0) return false;
  return data[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32));
}

// Of host process `host_pid` (0: this one).
struct rlimit HostLimit(int host_pid = 0) {
  struct rlimit r{1024, 1024};
  host::Syscall(SYS_prlimit64, host_pid, RLIMIT_NOFILE, 0, host::L(&r));
  return r;
}

// Both of the host's limits to `n`; the host's error (EPERM) if it refuses.
long SetHostLimit(uint64_t n, int host_pid = 0) {
  struct rlimit r{n, n};
  return host::Syscall(SYS_prlimit64, host_pid, RLIMIT_NOFILE, host::L(&r), 0);
}

// A hard limit raised to `max`: allowed to root, and the host process's
// own hard limit must follow.
long MayRaise(uint64_t max, bool root, int host_pid) {
  if (!root || !g_host_may_raise) return -EPERM;
  if (max > HostLimit(host_pid).rlim_max) return SetHostLimit(max, host_pid);
  return 0;
}

}  // namespace

void InitFdLimit(std::optional<uint64_t> configured) {
  g_host_may_raise = HostHasCapSysResource();
  struct rlimit host = HostLimit();
  struct rlimit guest = configured ? rlimit{*configured, *configured} : host;
  if (guest.rlim_max <= host.rlim_max || SetHostLimit(guest.rlim_max) != 0) SetHostLimit(host.rlim_max);
  FdTable::Get().SetLimits(guest.rlim_cur, guest.rlim_max);
}

struct rlimit FdLimit() {
  const FdTable& t = FdTable::Get();
  return rlimit{t.limit(), t.hard_limit()};
}

long SetFdLimit(const struct rlimit& r, bool root) {
  if (r.rlim_cur > r.rlim_max) return -EINVAL;
  FdTable& t = FdTable::Get();
  if (r.rlim_max > t.hard_limit()) {
    if (long e = MayRaise(r.rlim_max, root, 0)) return e;
  }
  t.SetLimits(r.rlim_cur, r.rlim_max);
  return 0;
}

bool GuestCapSysResource(bool root) { return root && g_host_may_raise; }

long SetFdLimitOf(std::atomic<uint64_t>* limits, int host_pid, const struct rlimit& r, bool root) {
  if (r.rlim_cur > r.rlim_max) return -EINVAL;
  if (r.rlim_max > limits[1].load()) {
    if (long e = MayRaise(r.rlim_max, root, host_pid)) return e;
  }
  // Its table reads them on each new descriptor.
  limits[0].store(r.rlim_cur);
  limits[1].store(r.rlim_max);
  return 0;
}

}  // namespace junction::libos::fs
