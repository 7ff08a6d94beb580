// Helpers shared by the LibOS's in-process objects (pipes, eventfd,
// timerfd, signalfd, epoll, unix sockets).
#pragma once

#include <signal.h>

#include <cstdint>

namespace junction::libos::ipc {

// st_dev of anonymous objects (Linux's pipefs/anon_inode devices are 0:N).
inline constexpr uint64_t kAnonDev = 0xd;

// A fresh inode number for an anonymous object.
uint64_t NextAnonIno();

// Raises `sig` for the calling thread as the kernel would for a
// synchronous event (SIGPIPE): ignored, queued for the guest's handler,
// or the default action applied by the host.
void RaiseSignal(int sig, const siginfo_t& info);

}  // namespace junction::libos::ipc
