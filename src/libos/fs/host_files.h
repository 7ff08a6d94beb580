// File access for the guest, passed through to host descriptors with the
// container root applied to paths. The files issue replaces this with the
// VFS (mount table, LibOS fd table); handlers call only this interface.
//
// Guest descriptors are host descriptors for now. The LibOS's own
// descriptors (e.g. the --strace-file) are not the guest's: the guest can
// neither use nor close them (EBADF).
#pragma once

#include <string>

#include "base/sys_result.h"

namespace junction::libos::fs {

void SetRoot(const std::string& root);        // container root on the host
std::string HostPath(const std::string& path);  // guest path -> host path

// The absolute guest path of `path` with symlinks resolved (relative to
// the current directory); `path` itself if it cannot be resolved.
std::string GuestRealPath(const std::string& path);

bool IsGuestFd(long fd);
void MarkGuestFd(int fd);
void MarkLibosFd(int fd);
void ForgetFd(int fd);

// Files the LibOS generates instead of the host's: /proc/self/maps (and
// /proc/<own pid>/maps) from the guest's VMAs. Returns a descriptor on a
// sealed memfd holding the content, or -ENOENT if `path` is not one of them.
long OpenGeneratedFile(const std::string& path, int flags);

// Adopts the descriptors junction inherited (stdin/out/err and any others)
// as the guest's.
void AdoptInheritedFds();

}  // namespace junction::libos::fs
