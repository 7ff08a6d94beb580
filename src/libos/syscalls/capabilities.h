// The process's capability sets (sys_capability.cc): what capget reports
// and capset changes, kept by the LibOS like the uids.
#pragma once

#include <cstdint>

namespace junction::libos {

struct Process;

// At the container's start: the host process's sets.
void InitCapabilities(Process& p);
// prctl's PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT and PR_SET/GET_NO_NEW_PRIVS
// over the process's sets and flag.
long CapabilityPrctl(long option, long a2, long a3, long a4, long a5);
// At exec (after the uids are final).
void CapabilitiesForExec(Process& p);
// After a change of uids from (old_uid, old_euid, old_suid).
void CapabilitiesForSetuid(Process& p, uint32_t old_uid, uint32_t old_euid, uint32_t old_suid);

}  // namespace junction::libos
