// Credentials: set*uid/set*gid change the process's real, effective and
// saved ids as Linux does (with its permission rules: a process with
// effective uid 0 may set any id, others only ids they already hold). The
// ids are the container's view, inherited across fork and exec; the host
// process keeps its own credentials, so host files are still checked
// against those (docs/syscalls.md).
#include <cerrno>
#include <cstdint>
#include <vector>

#include "libos/process.h"
#include "libos/syscalls/capabilities.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

constexpr uint32_t kUnchanged = static_cast<uint32_t>(-1);

struct Ids {
  uint32_t* real;
  uint32_t* effective;
  uint32_t* saved;
};

bool Holds(const Ids& ids, uint32_t id) {
  return id == *ids.real || id == *ids.effective || id == *ids.saved;
}

// setresuid/setresgid: each new id is -1 (unchanged) or, unless
// privileged, one the process already holds.
long SetRes(Ids ids, bool privileged, uint32_t r, uint32_t e, uint32_t s) {
  if (!privileged) {
    for (uint32_t id : {r, e, s})
      if (id != kUnchanged && !Holds(ids, id)) return -EPERM;
  }
  if (r != kUnchanged) *ids.real = r;
  if (e != kUnchanged) *ids.effective = e;
  if (s != kUnchanged) *ids.saved = s;
  return 0;
}

// setreuid/setregid: the saved id follows the effective one when the real
// id is set or the effective id becomes other than the old real id.
long SetRe(Ids ids, bool privileged, uint32_t r, uint32_t e) {
  if (!privileged) {
    if (r != kUnchanged && r != *ids.real && r != *ids.effective) return -EPERM;
    if (e != kUnchanged && !Holds(ids, e)) return -EPERM;
  }
  uint32_t old_real = *ids.real;
  if (r != kUnchanged) *ids.real = r;
  if (e != kUnchanged) *ids.effective = e;
  if (r != kUnchanged || (e != kUnchanged && e != old_real)) *ids.saved = *ids.effective;
  return 0;
}

// setuid/setgid: privileged sets all three ids; otherwise only the
// effective one, to the real or saved id.
long Set(Ids ids, bool privileged, uint32_t id) {
  if (id == kUnchanged) return -EINVAL;
  if (privileged) {
    *ids.real = *ids.effective = *ids.saved = id;
    return 0;
  }
  if (id != *ids.real && id != *ids.saved) return -EPERM;
  *ids.effective = id;
  return 0;
}

Ids UserIds(Process& p) { return {&p.uid, &p.euid, &p.suid}; }
Ids GroupIds(Process& p) { return {&p.gid, &p.egid, &p.sgid}; }
bool Privileged(const Process& p) { return p.euid == 0; }
uint32_t Arg(long v) { return static_cast<uint32_t>(v); }
// After a change: the table entry follows (prlimit64's checks in others).
long Published(long r) {
  if (r == 0) proc::PublishCredentials();
  return r;
}
// A change of uids; the capability sets follow it (Linux's
// cap_task_fix_setuid).
template <typename F>
long UidsChanged(Process& p, F change) {
  uint32_t r = p.uid, e = p.euid, s = p.suid;
  long ret = change();
  if (ret == 0) CapabilitiesForSetuid(p, r, e, s);
  return Published(ret);
}

}  // namespace

JUNCTION_HANDLER(setuid) {
  Process& p = CurrentProcess();
  return UidsChanged(p, [&] { return Set(UserIds(p), Privileged(p), Arg(a.a[0])); });
}

JUNCTION_HANDLER(setgid) {
  Process& p = CurrentProcess();
  return Published(Set(GroupIds(p), Privileged(p), Arg(a.a[0])));
}

JUNCTION_HANDLER(setreuid) {
  Process& p = CurrentProcess();
  return UidsChanged(p, [&] { return SetRe(UserIds(p), Privileged(p), Arg(a.a[0]), Arg(a.a[1])); });
}

JUNCTION_HANDLER(setregid) {
  Process& p = CurrentProcess();
  return Published(SetRe(GroupIds(p), Privileged(p), Arg(a.a[0]), Arg(a.a[1])));
}

JUNCTION_HANDLER(setresuid) {
  Process& p = CurrentProcess();
  return UidsChanged(p, [&] { return SetRes(UserIds(p), Privileged(p), Arg(a.a[0]), Arg(a.a[1]), Arg(a.a[2])); });
}

JUNCTION_HANDLER(setresgid) {
  Process& p = CurrentProcess();
  return Published(SetRes(GroupIds(p), Privileged(p), Arg(a.a[0]), Arg(a.a[1]), Arg(a.a[2])));
}

JUNCTION_HANDLER(getgroups) {
  const std::vector<uint32_t>& g = CurrentProcess().groups;
  int size = static_cast<int>(a.a[0]);
  if (size < 0) return -EINVAL;
  if (size == 0) return static_cast<long>(g.size());
  if (static_cast<size_t>(size) < g.size()) return -EINVAL;
  uintptr_t out = static_cast<uintptr_t>(a.a[1]);
  if (!GuestWritable(out, g.size() * sizeof(uint32_t))) return -EFAULT;
  for (size_t i = 0; i < g.size(); i++)
    if (!UserPtr<uint32_t>(static_cast<long>(out + i * sizeof(uint32_t))).Write(g[i]).ok()) return -EFAULT;
  return static_cast<long>(g.size());
}

JUNCTION_HANDLER(setgroups) {
  constexpr long kNgroupsMax = 65536;  // NGROUPS_MAX
  Process& p = CurrentProcess();
  long n = a.a[0];
  if (n < 0 || n > kNgroupsMax) return -EINVAL;
  if (!Privileged(p)) return -EPERM;
  uintptr_t in = static_cast<uintptr_t>(a.a[1]);
  if (n && !GuestReadable(in, static_cast<size_t>(n) * sizeof(uint32_t))) return -EFAULT;
  std::vector<uint32_t> g(static_cast<size_t>(n));
  for (long i = 0; i < n; i++) {
    auto v = UserPtr<uint32_t>(static_cast<long>(in + static_cast<uintptr_t>(i) * sizeof(uint32_t))).Read();
    if (!v.ok()) return -EFAULT;
    g[static_cast<size_t>(i)] = *v;
  }
  p.groups = std::move(g);
  return 0;
}

}  // namespace junction::libos
