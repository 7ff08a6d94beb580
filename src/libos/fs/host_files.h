// Entry points the rest of the LibOS uses to set up and query the guest's
// file system (the VFS lives in vfs.h, the descriptor table in fd_table.h).
#pragma once

#include <string>

#include "base/sys_result.h"

namespace junction::libos::fs {

// Builds the mount table (container root `root` on the host, the app
// config's mounts, procfs/sysfs/devfs) and adopts the descriptors junction
// inherited (stdin/out/err and any others) as the guest's, at the same
// numbers, as host pass-through descriptions. Exits on a bad root.
void SetRoot(const std::string& root);
// Host path of a guest path under the container root (only for setting up
// junction's own working directory; guest paths are resolved by the VFS).
std::string HostPath(const std::string& path);

// The absolute guest path of `path` with symlinks resolved (relative to
// the current directory); `path` itself if it cannot be resolved.
std::string GuestRealPath(const std::string& path);

// True if `fd` is one of the guest's descriptors.
bool IsGuestFd(long fd);
// LibOS descriptors have no guest number, so marking them is a no-op kept
// for callers (strace); descriptors are never visible to the guest.
inline void MarkLibosFd(int) {}

// Kept for the caller in libos.cc: adoption happens in SetRoot.
void AdoptInheritedFds();

}  // namespace junction::libos::fs
