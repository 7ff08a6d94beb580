// DPDK's EAL makes a runtime directory per --file-prefix (/run/dpdk/PREFIX
// for root, else $XDG_RUNTIME_DIR/dpdk/PREFIX or /tmp/dpdk/PREFIX) and
// never removes it. The daemon's prefix is junction-PID: it removes its own
// when the NIC closes, and those of dead pids when it opens one (a daemon
// killed could not).
#pragma once

#include <string>

namespace junction::net {

// The EAL file prefix of process `pid`: "junction-PID".
std::string DpdkFilePrefix(long pid);

// The directory the EAL puts its runtime directories in.
std::string DpdkRuntimeParent();

// Removes runtime directory `dir` and the files in it (the EAL makes no
// subdirectories).
void RemoveDpdkRuntimeDir(const std::string& dir);

// Removes the junction-PID directories in `parent` of pids that no longer
// exist (kill(pid, 0) gives ESRCH).
void SweepStaleDpdkRuntimeDirs(const std::string& parent);

}  // namespace junction::net
