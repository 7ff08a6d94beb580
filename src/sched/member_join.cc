#include "sched/member_join.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include "libos/host/host.h"
#include "sched/control_message.h"
#include "sched/kthread.h"

namespace junction::sched {

namespace {

// A daemon that accepted the connection answers at once unless stopped or
// wedged; the forking guest waits this long at most, then runs standalone.
constexpr int kReplyTimeoutMs = 2000;

template <typename... A>
long Restarting(long nr, A... a) {
  long r;
  do {
    r = host::Syscall(nr, host::L(a)...);
  } while (r == -EINTR);
  return r;
}

}  // namespace

int SchedJoin(const std::string& socket_path, uint64_t container_id, uint32_t* slot,
              int* doorbell, const char** why) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof a.sun_path) {
    *why = "the daemon's socket path is too long";
    return -1;
  }
  std::memcpy(a.sun_path, socket_path.data(), socket_path.size());
  int sock = static_cast<int>(host::Syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock < 0) {
    *why = "socket";
    return -1;
  }
  *doorbell = -1;
  auto fail = [&](const char* w) {
    *why = w;
    if (*doorbell >= 0) host::Syscall(SYS_close, *doorbell);
    *doorbell = -1;
    host::Syscall(SYS_close, sock);
    return -1;
  };
  if (Restarting(SYS_connect, sock, &a, sizeof a) < 0) return fail("cannot connect to the daemon");
  SchedJoinRequest req;
  req.container_id = container_id;
  std::vector<uint8_t> frame = EncodeSchedJoinRequest(req);
  if (Restarting(SYS_sendto, sock, frame.data(), frame.size(), MSG_NOSIGNAL, nullptr, 0) !=
      static_cast<long>(frame.size()))
    return fail("cannot send SCHED_JOIN");
  // The reply: a u32 length, the payload, the doorbell with it.
  const uint64_t deadline = NowNs() + uint64_t{kReplyTimeoutMs} * 1'000'000;
  std::vector<uint8_t> in;
  for (;;) {
    if (in.size() >= 4) {
      uint32_t len;
      std::memcpy(&len, in.data(), 4);
      if (len > kMaxFrameBytes) return fail("a malformed reply");
      if (in.size() >= 4 + size_t{len}) break;
    }
    // (A signal, e.g. the preemption timer's, must not restart the wait
    // from the full timeout: a stopped daemon would hold the fork for ever.)
    pollfd p{sock, POLLIN, 0};
    long r;
    do {
      uint64_t now = NowNs();
      if (now >= deadline) return fail("the daemon did not answer SCHED_JOIN");
      r = host::Syscall(SYS_poll, host::L(&p), 1, static_cast<long>((deadline - now) / 1'000'000 + 1));
    } while (r == -EINTR);
    if (r <= 0) return fail("the daemon did not answer SCHED_JOIN");
    uint8_t buf[1024];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(4 * sizeof(int))] = {};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    long n = Restarting(SYS_recvmsg, sock, &m, MSG_CMSG_CLOEXEC);
    if (n <= 0) return fail("the daemon closed the connection");
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t k = 0; k < nfds; k++) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
        if (*doorbell < 0) *doorbell = fd;
        else host::Syscall(SYS_close, fd);  // more than we asked for
      }
    }
    in.insert(in.end(), buf, buf + n);
  }
  uint32_t len;
  std::memcpy(&len, in.data(), 4);
  SchedJoinReply reply;
  if (!DecodeSchedJoinReply(std::span<const uint8_t>(in.data() + 4, len), &reply))
    return fail("a malformed reply");
  if (reply.error != 0) return fail("the daemon refused SCHED_JOIN");
  if (*doorbell < 0) return fail("no doorbell in the reply");
  *slot = reply.slot;
  return sock;
}

}  // namespace junction::sched
