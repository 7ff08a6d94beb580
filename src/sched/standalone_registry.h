// Standalone containers (no daemon) register in a state directory so that
// `junction ps` lists them too (docs/daemon.md "Standalone registry").
//
// The directory is `standalone/` next to the control socket (default
// /run/junction/standalone); when that cannot be created (not root), the
// fallback is /tmp/junction-UID/standalone. One file per container,
// `PID-STARTTIME.ctr` (STARTTIME from /proc/PID/stat, so a reused pid is
// not mistaken for the container), holding one encoded ContainerStatus;
// written atomically (temporary file + rename), removed at exit. Entries
// whose process is gone are ignored (and removed when permitted).
#pragma once

#include <string>
#include <vector>

#include "config/app_config.h"
#include "sched/control_message.h"

namespace junction::sched {

// The primary and fallback directories for a control socket path.
std::string StandaloneDir(const std::string& control_socket);
std::string StandaloneFallbackDir();

// Registers this process; remembers the file for UnregisterStandalone.
// Returns the file written, or empty (with `why`) if none could be.
std::string RegisterStandalone(const config::AppConfig& cfg, const std::vector<std::string>& argv,
                               std::string* why = nullptr);
// Removes this process's file (safe to call twice, or without Register).
void UnregisterStandalone();
// The file Register wrote ("" if none), and forgetting it without removing
// it: a forked child (the entry is its container's), or a caller that
// removed it itself (the LibOS at exit, through its host stub: glibc's
// unlink would trap under the seccomp filter).
const std::string& StandaloneRegistrationFile();
void ForgetStandaloneRegistration();

// The live standalone containers registered for `control_socket` (both
// directories), with RSS filled in.
std::vector<ContainerStatus> ListStandalone(const std::string& control_socket);

// Field 22 of /proc/PID/stat (clock ticks after boot), or 0.
uint64_t ProcessStartTime(int32_t pid);

}  // namespace junction::sched
