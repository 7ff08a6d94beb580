// One request and its reply on a new connection to the daemon's control
// socket (docs/daemon.md "Control protocol"), made through the LibOS's
// host-call stubs: usable in a forked child under the syscall filter.
// SCHED_JOIN (member_join.cc) and NET_JOIN (libos/net/process_link.cc).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace junction::sched {

// A daemon that accepted the connection answers at once unless stopped or
// wedged; the forked child waits this long at most, then goes on without.
inline constexpr int kHostControlReplyTimeoutMs = 2000;

struct HostControlRequest {
  std::span<const uint8_t> frame;  // length prefix included
  int pass_fd = -1;                // sent with it (SCM_RIGHTS), or -1: none
  // Its failures, as `why` (static strings).
  const char* cannot_send = "cannot send the request";
  const char* no_answer = "the daemon did not answer";
};

// Connects to the daemon at `socket_path`, sends `req` and waits for one
// reply frame: its payload goes to `payload`, the descriptors that came
// with it to `fds` in order (-1 where fewer came; more are closed).
// Returns the connected socket, which the caller keeps or closes; or -1
// with `why`, nothing left open.
int HostControlCall(const std::string& socket_path, const HostControlRequest& req,
                    std::vector<uint8_t>* payload, std::span<int> fds, const char** why);

// Sends one frame (and `pass_fd`, if not -1) on an open connection `sock`.
// False if it did not all go.
bool HostSendFrame(int sock, std::span<const uint8_t> frame, int pass_fd);

}  // namespace junction::sched
