// capget/capset over the process's capability sets (Linux
// kernel/capability.c and security/commoncap.c). A guest starts with the
// host process's sets (its effective, permitted and inheritable sets, as
// capget reports them, and its ambient and bounding sets), like its uids;
// from there the sets are the container's view: capset, set*uid and exec
// change them as Linux does, while the host process keeps its own
// capabilities, which are what the host checks (docs/security.md).
#include "libos/syscalls/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "libos/fs/synthetic.h"
#include "libos/host/host.h"
#include "libos/proc/process_table.h"
#include "libos/process.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

// CAP_VALID_MASK: the capabilities this kernel knows (0..CAP_LAST_CAP);
// the rest of a set given to capset is dropped, as Linux's mk_kernel_cap.
uint64_t ValidMask() {
  static const uint64_t mask = [] {
    long last = std::atol(fs::ReadHostFile("/proc/sys/kernel/cap_last_cap").c_str());
    if (last <= 0 || last >= 63) last = CAP_LAST_CAP;
    return (uint64_t{1} << (last + 1)) - 1;
  }();
  return mask;
}

// A set from /proc/self/status ("CapBnd:\t000001ffffffffff").
uint64_t StatusSet(const std::string& status, const char* field) {
  auto at = status.find(field);
  if (at == std::string::npos) return 0;
  return std::strtoull(status.c_str() + at + std::strlen(field), nullptr, 16);
}

// The header's version: how many 32-bit words a set takes (1 or 2), or
// EINVAL with the preferred version written back (Linux's
// cap_validate_magic; EFAULT if the header cannot be read or written).
SysResult<int> Words(long header) {
  UserPtr<uint32_t> version(header);
  uint32_t v = TRY(version.Read());
  switch (v) {
    case _LINUX_CAPABILITY_VERSION_1: return _LINUX_CAPABILITY_U32S_1;
    case _LINUX_CAPABILITY_VERSION_2:
    case _LINUX_CAPABILITY_VERSION_3: return _LINUX_CAPABILITY_U32S_3;
    default:
      TRY_VOID(version.Write(_LINUX_CAPABILITY_VERSION_3));
      return Errno{EINVAL};
  }
}

bool Subset(uint64_t a, uint64_t b) { return (a & ~b) == 0; }
bool HasCap(uint64_t set, int cap) { return set >> cap & 1; }

}  // namespace

void InitCapabilities(Process& p) {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2] = {};
  if (host::Syscall(SYS_capget, host::L(&h), host::L(d)) == 0) {
    p.caps.effective = d[0].effective | uint64_t{d[1].effective} << 32;
    p.caps.permitted = d[0].permitted | uint64_t{d[1].permitted} << 32;
    p.caps.inheritable = d[0].inheritable | uint64_t{d[1].inheritable} << 32;
  }
  std::string status = fs::ReadHostFile("/proc/self/status");
  p.caps.bounding = StatusSet(status, "CapBnd:");
  p.caps.ambient = StatusSet(status, "CapAmb:");
  // Before the LibOS sets it on the host process for its seccomp filter.
  p.no_new_privs = host::Syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

long CapabilityPrctl(long option, long a2, long a3, long a4, long a5) {
  Process& p = CurrentProcess();
  CapabilitySets& c = p.caps;
  auto valid = [](long cap) { return cap >= 0 && cap < 64 && (ValidMask() >> cap & 1); };
  switch (option) {
    case PR_CAPBSET_READ:
      if (!valid(a2)) return -EINVAL;
      return HasCap(c.bounding, static_cast<int>(a2));
    case PR_CAPBSET_DROP:
      if (!HasCap(c.effective, CAP_SETPCAP)) return -EPERM;
      if (!valid(a2)) return -EINVAL;
      c.bounding &= ~(uint64_t{1} << a2);
      return 0;
    case PR_CAP_AMBIENT: {
      if (a2 == PR_CAP_AMBIENT_CLEAR_ALL) {
        if (a3 | a4 | a5) return -EINVAL;
        c.ambient = 0;
        return 0;
      }
      if (!valid(a3) || a4 || a5) return -EINVAL;
      uint64_t bit = uint64_t{1} << a3;
      if (a2 == PR_CAP_AMBIENT_IS_SET) return (c.ambient & bit) != 0;
      if (a2 == PR_CAP_AMBIENT_LOWER) {
        c.ambient &= ~bit;
        return 0;
      }
      if (a2 != PR_CAP_AMBIENT_RAISE) return -EINVAL;
      long securebits = host::Syscall(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0);
      if (!(c.permitted & bit) || !(c.inheritable & bit) ||
          (securebits > 0 && (securebits & (1 << 6 /*SECURE_NO_CAP_AMBIENT_RAISE*/))))
        return -EPERM;
      c.ambient |= bit;
      return 0;
    }
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS: {
      // The host checks the arguments (its own flag is set already).
      long r = host::Syscall(SYS_prctl, option, a2, a3, a4, a5);
      if (r < 0) return r;
      if (option == PR_GET_NO_NEW_PRIVS) return p.no_new_privs;
      p.no_new_privs = true;
      return 0;
    }
    default:
      return -EINVAL;
  }
}

void CapabilitiesForExec(Process& p) {
  proc::SetDumpable(true);  // a new image (no set-id bits)
  // No file capabilities, no set-id bits (the LibOS's exec honours
  // neither): Linux's cap_bprm_creds_from_file for a plain file. Root (real
  // or effective uid 0) gets the bounding and inheritable sets, effective
  // if its effective uid is 0; everyone keeps the ambient set.
  CapabilitySets& c = p.caps;
  uint64_t permitted = 0;
  bool effective = false;
  if (p.uid == 0 || p.euid == 0) permitted = c.bounding | c.inheritable;
  if (p.euid == 0) effective = true;
  permitted |= c.ambient;
  c.permitted = permitted;
  c.effective = effective ? permitted : c.ambient;
  proc::PublishCredentials();
}

void CapabilitiesForSetuid(Process& p, uint32_t old_uid, uint32_t old_euid, uint32_t old_suid) {
  // Linux's cap_emulate_setxuid: leaving uid 0 in all three ids drops the
  // permitted and effective sets (unless PR_SET_KEEPCAPS) and the ambient
  // one; the effective set follows the effective uid out of and into 0.
  CapabilitySets& c = p.caps;
  bool was_root = old_uid == 0 || old_euid == 0 || old_suid == 0;
  if (was_root && p.uid != 0 && p.euid != 0 && p.suid != 0) {
    if (host::Syscall(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0) != 1) c.permitted = c.effective = 0;
    c.ambient = 0;
  }
  if (old_euid == 0 && p.euid != 0) c.effective = 0;
  if (old_euid != 0 && p.euid == 0) c.effective = c.permitted;
}

JUNCTION_HANDLER(capget) {
  auto words = Words(a.a[0]);
  // No data buffer: the version query (0 even for a version it refused).
  if (!a.a[1]) return !words.ok() && words.error() == EINVAL ? 0 : (words.ok() ? 0 : -words.error());
  if (!words.ok()) return -words.error();
  auto pid = UserPtr<int32_t>(a.a[0] + 4).Read();
  if (!pid.ok()) return -EFAULT;
  if (*pid < 0) return -EINVAL;
  Process& self = CurrentProcess();
  CapabilitySets c = self.caps;
  if (*pid != 0 && *pid != self.pid) {
    // Another process of the container: the sets it published.
    proc::Table* t = proc::Get();
    proc::Entry* e = t ? proc::FindPid(t, *pid) : nullptr;
    if (!e) return -ESRCH;
    c.effective = e->cap_effective.load();
    c.permitted = e->cap_permitted.load();
    c.inheritable = e->cap_inheritable.load();
  }
  __user_cap_data_struct d[2];
  for (int i = 0; i < 2; i++) {
    d[i].effective = static_cast<uint32_t>(c.effective >> (32 * i));
    d[i].permitted = static_cast<uint32_t>(c.permitted >> (32 * i));
    d[i].inheritable = static_cast<uint32_t>(c.inheritable >> (32 * i));
  }
  size_t bytes = sizeof(d[0]) * static_cast<size_t>(*words);
  if (!CopyToUser(static_cast<uintptr_t>(a.a[1]), d, bytes).ok())
    return -EFAULT;
  return 0;
}

JUNCTION_HANDLER(capset) {
  auto w = Words(a.a[0]);
  if (!w.ok()) return -w.error();
  int words = *w;
  auto pid = UserPtr<int32_t>(a.a[0] + 4).Read();
  if (!pid.ok()) return -EFAULT;
  Process& p = CurrentProcess();
  if (*pid != 0 && *pid != p.pid) return -EPERM;  // only the caller's own, as Linux
  __user_cap_data_struct d[2] = {};
  size_t bytes = sizeof(d[0]) * static_cast<size_t>(words);
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), bytes) ||
      !SafeCopy(d, reinterpret_cast<const void*>(a.a[1]), bytes))
    return -EFAULT;
  uint64_t mask = ValidMask();
  uint64_t effective = (d[0].effective | uint64_t{d[1].effective} << 32) & mask;
  uint64_t permitted = (d[0].permitted | uint64_t{d[1].permitted} << 32) & mask;
  uint64_t inheritable = (d[0].inheritable | uint64_t{d[1].inheritable} << 32) & mask;
  CapabilitySets& c = p.caps;
  // Linux's cap_capset: no new inheritable capability without
  // CAP_SETPCAP beyond the permitted ones, none beyond the bounding set,
  // no new permitted one, the effective within the permitted.
  if (!HasCap(c.effective, CAP_SETPCAP) && !Subset(inheritable, c.inheritable | c.permitted)) return -EPERM;
  if (!Subset(inheritable, c.inheritable | c.bounding)) return -EPERM;
  if (!Subset(permitted, c.permitted)) return -EPERM;
  if (!Subset(effective, permitted)) return -EPERM;
  c.effective = effective;
  c.permitted = permitted;
  c.inheritable = inheritable;
  c.ambient &= permitted & inheritable;
  proc::PublishCredentials();
  return 0;
}

}  // namespace junction::libos
