#include "sched/unix_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sched/control_message.h"

namespace junction::sched {

namespace {

constexpr int kMaxFdsPerMessage = 4;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool FillAddress(const std::string& path, sockaddr_un* addr, std::string* why) {
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) {
    *why = "socket path \"" + path + "\" is empty or too long";
    return false;
  }
  *addr = sockaddr_un{};
  addr->sun_family = AF_UNIX;
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// mkdir -p with mode 0755 for the missing components.
bool MakeParentDirs(const std::string& path, std::string* why) {
  for (size_t pos = 1; (pos = path.find('/', pos)) != std::string::npos; pos++) {
    std::string dir = path.substr(0, pos);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      *why = Errno("creating " + dir);
      return false;
    }
  }
  return true;
}

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

int ListenControlSocket(const std::string& path, std::string* why) {
  sockaddr_un addr;
  if (!FillAddress(path, &addr, why) || !MakeParentDirs(path, why)) return -1;
  struct stat st{};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *why = path + " exists and is not a socket; not replacing it";
      return -1;
    }
    std::string ignored;
    int probe = ConnectControlSocket(path, &ignored);
    if (probe >= 0) {
      close(probe);
      *why = "another daemon is listening on " + path;
      return -1;
    }
    unlink(path.c_str());  // stale: left by a daemon that crashed
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = Errno("socket");
    return -1;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *why = Errno("binding " + path);
    close(fd);
    return -1;
  }
  if (chmod(path.c_str(), 0660) != 0 || listen(fd, 64) != 0) {
    *why = Errno("listening on " + path);
    close(fd);
    unlink(path.c_str());
    return -1;
  }
  return fd;
}

int ConnectControlSocket(const std::string& path, std::string* why) {
  sockaddr_un addr;
  if (!FillAddress(path, &addr, why)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = Errno("socket");
    return -1;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *why = Errno("connecting to " + path);
    close(fd);
    return -1;
  }
  return fd;
}

bool SendFrame(int sock, std::span<const uint8_t> frame, std::span<const int> fds,
               int timeout_ms) {
  size_t sent = 0;
  int64_t deadline = NowMs() + timeout_ms;
  while (sent < frame.size()) {
    iovec iov{const_cast<uint8_t*>(frame.data() + sent), frame.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)] = {};
    if (sent == 0 && !fds.empty()) {
      if (fds.size() > kMaxFdsPerMessage) return false;
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int64_t left = deadline - NowMs();
      if (left <= 0) return false;
      pollfd p{sock, POLLOUT, 0};
      poll(&p, 1, static_cast<int>(left));
      continue;
    }
    return false;
  }
  return true;
}

InputBuffer::~InputBuffer() { CloseFds(); }

void InputBuffer::CloseFds() {
  for (int fd : fds) close(fd);
  fds.clear();
}

ReadStatus ReadAvailable(int sock, InputBuffer* in) {
  uint8_t chunk[16384];
  iovec iov{chunk, sizeof chunk};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return ReadStatus::kWouldBlock;
    return ReadStatus::kError;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      in->fds.push_back(fd);
    }
  }
  if (n == 0) return ReadStatus::kClosed;
  in->bytes.insert(in->bytes.end(), chunk, chunk + n);
  return ReadStatus::kData;
}

FrameStatus TakeFrame(InputBuffer* in, std::vector<uint8_t>* payload) {
  if (in->bytes.size() < sizeof(uint32_t)) return FrameStatus::kIncomplete;
  uint32_t len;
  std::memcpy(&len, in->bytes.data(), sizeof len);
  if (len > kMaxFrameBytes) return FrameStatus::kTooLarge;
  if (in->bytes.size() < sizeof len + len) return FrameStatus::kIncomplete;
  payload->assign(in->bytes.begin() + sizeof len, in->bytes.begin() + sizeof len + len);
  in->bytes.erase(in->bytes.begin(), in->bytes.begin() + sizeof len + len);
  return FrameStatus::kComplete;
}

bool ReadFrameBlocking(int sock, InputBuffer* in, std::vector<uint8_t>* payload, int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    FrameStatus f = TakeFrame(in, payload);
    if (f == FrameStatus::kComplete) return true;
    if (f == FrameStatus::kTooLarge) return false;
    int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p{sock, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) return false;
    ReadStatus r = ReadAvailable(sock, in);
    if (r == ReadStatus::kClosed || r == ReadStatus::kError) return false;
  }
}

}  // namespace junction::sched
