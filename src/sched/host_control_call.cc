#include "sched/host_control_call.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "libos/host/host.h"
#include "sched/control_message.h"
#include "sched/kthread.h"

namespace junction::sched {

namespace {

// A blocking host call, restarted when a host signal (the preemption
// timer's) interrupts it.
template <typename... A>
long Restarting(long nr, A... a) {
  long r;
  do {
    r = host::Syscall(nr, host::L(a)...);
  } while (r == -EINTR);
  return r;
}

}  // namespace

bool HostSendFrame(int sock, std::span<const uint8_t> frame, int pass_fd) {
  iovec iov{const_cast<uint8_t*>(frame.data()), frame.size()};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (pass_fd >= 0) {
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  return Restarting(SYS_sendmsg, sock, &m, MSG_NOSIGNAL) == static_cast<long>(frame.size());
}

int HostControlCall(const std::string& socket_path, const HostControlRequest& req,
                    std::vector<uint8_t>* payload, std::span<int> fds, const char** why) {
  for (int& fd : fds) fd = -1;
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
  auto fail = [&](const char* w) {
    *why = w;
    for (int& fd : fds) {
      if (fd >= 0) host::Syscall(SYS_close, fd);
      fd = -1;
    }
    host::Syscall(SYS_close, sock);
    return -1;
  };
  if (Restarting(SYS_connect, sock, &a, sizeof a) < 0) return fail("cannot connect to the daemon");
  if (!HostSendFrame(sock, req.frame, req.pass_fd)) return fail(req.cannot_send);
  // The reply: a u32 length, the payload, the descriptors with it.
  const uint64_t deadline = NowNs() + uint64_t{kHostControlReplyTimeoutMs} * 1'000'000;
  std::vector<uint8_t> in;
  size_t got_fds = 0;
  uint32_t len = 0;
  for (;;) {
    if (in.size() >= 4) {
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
      if (now >= deadline) return fail(req.no_answer);
      r = host::Syscall(SYS_poll, host::L(&p), 1, static_cast<long>((deadline - now) / 1'000'000 + 1));
    } while (r == -EINTR);
    if (r <= 0) return fail(req.no_answer);
    constexpr size_t kChunk = 4096;
    size_t had = in.size();
    in.resize(had + kChunk);
    iovec riov{in.data() + had, kChunk};
    alignas(cmsghdr) char rcbuf[CMSG_SPACE(4 * sizeof(int))] = {};
    msghdr rm{};
    rm.msg_iov = &riov;
    rm.msg_iovlen = 1;
    rm.msg_control = rcbuf;
    rm.msg_controllen = sizeof rcbuf;
    long n = Restarting(SYS_recvmsg, sock, &rm, MSG_CMSG_CLOEXEC);
    if (n <= 0) return fail("the daemon closed the connection");
    in.resize(had + static_cast<size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&rm); c; c = CMSG_NXTHDR(&rm, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t k = 0; k < nfds; k++) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
        if (got_fds < fds.size()) fds[got_fds++] = fd;
        else host::Syscall(SYS_close, fd);  // more than we asked for
      }
    }
  }
  payload->assign(in.begin() + 4, in.begin() + 4 + len);
  return sock;
}

}  // namespace junction::sched
