// Host sockets (AF_INET, AF_INET6 in `[net] mode = "host"`; AF_NETLINK
// passed through for interface queries). The host description is always
// O_NONBLOCK (the LibOS created it and shares it with nobody); the guest's
// blocking mode is the File's flag, and a blocking call that would block
// parks the uthread on the reactor (sched::WaitHostFd), for at most the
// socket's SO_RCVTIMEO/SO_SNDTIMEO (which the host keeps but, the
// description being non-blocking, does not apply itself).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "libos/host/host.h"
#include "libos/net/linger.h"
#include "libos/net/socket.h"
#include "libos/net/socket_timeout.h"
#include "libos/proc/host_objects.h"
#include "libos/process.h"
#include "sched/reactor.h"

namespace junction::libos::net {

namespace {

// SCM_MAX_FD: descriptors in one SCM_RIGHTS message.
constexpr size_t kMaxRights = 253;
// The most control-message room asked of the host for an internet socket
// (far beyond what its messages take).
constexpr size_t kMaxRawControl = 64 * 1024;

class HostSocket : public Socket {
 public:
  HostSocket(int fd, int guest_flags)
      : Socket(O_RDWR | (guest_flags & O_NONBLOCK), "", fd), owner_pid_(CurrentProcess().host_pid) {
    struct stat st{};
    host::Syscall(SYS_fstat, fd, host::L(&st));
    set_path("socket:[" + std::to_string(st.st_ino) + "]");
  }
  // Another process may hold the description too (an SCM_RIGHTS message,
  // pidfd_getfd): a lingering close must not shut it down (OnlyOurs).
  void MarkPassed() { passed_ = true; }
  void set_domain(int domain) { domain_ = domain; }
  // A host unix socket standing for a guest one (shared across processes):
  // the guest's names, not the host's abstract rendezvous name.
  void set_guest_names(std::string local, std::string peer) {
    local_name_ = std::move(local);
    peer_name_ = std::move(peer);
    guest_unix_ = true;
  }
  ~HostSocket() override {
    if (linger_secs_ != 0 && OnlyOurs() && MayLingerHere()) LingerBeforeClose();
    host::Syscall(SYS_close, host_fd_);
  }

  // Runs `call` until it does not say EAGAIN, parking on `events` between
  // tries unless the guest's description is non-blocking; for at most
  // SO_SNDTIMEO (EPOLLOUT) or SO_RCVTIMEO, then one last try (EAGAIN if
  // still nothing), as Linux's sock_rcvtimeo/sock_sndtimeo.
  template <typename F>
  long Retry(uint32_t events, bool dontwait, F call) {
    uint64_t deadline = 0;
    for (;;) {
      long r = call();
      if (r != -EAGAIN || nonblocking() || dontwait) return r;
      uint64_t timeout = (events & EPOLLOUT) ? sndtimeo_ : rcvtimeo_;
      if (timeout && !deadline) deadline = sched::NowNs() + timeout;
      long w = sched::WaitHostFd(host_fd_, events, deadline);
      if (w == -EINTR) return -EINTR;
      if (w == -ETIMEDOUT) return call();
    }
  }

  // The timeouts another process may have set on the host socket (one
  // received in a message): read back from the host (a zero-jiffy
  // timeout, which reads back as none, is taken as none).
  void LoadTimeoutsFromHost() {
    for (int name : {SO_RCVTIMEO, SO_SNDTIMEO}) {
      timeval tv{};
      socklen_t len = sizeof(tv);
      if (host::Syscall(SYS_getsockopt, host_fd_, SOL_SOCKET, name, host::L(&tv), host::L(&len)) < 0) continue;
      std::vector<char> val(reinterpret_cast<char*>(&tv), reinterpret_cast<char*>(&tv) + sizeof(tv));
      auto ns = SocketTimeoutOpt(val);
      if (ns.ok()) (name == SO_RCVTIMEO ? rcvtimeo_ : sndtimeo_) = *ns;
    }
  }

  SysResult<void> Bind(const std::string& addr) override {
    return Res(host::Syscall(SYS_bind, host_fd_, host::L(addr.data()), addr.size()));
  }
  SysResult<void> Listen(int backlog) override { return Res(host::Syscall(SYS_listen, host_fd_, backlog)); }

  SysResult<fs::FilePtr> Accept(int flags, std::string* peer) override {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    long r = Retry(EPOLLIN, false, [&] {
      len = sizeof(ss);
      return host::Syscall(SYS_accept4, host_fd_, host::L(&ss), host::L(&len), SOCK_NONBLOCK | SOCK_CLOEXEC);
    });
    if (r < 0) return Errno{static_cast<int>(-r)};
    peer->assign(reinterpret_cast<char*>(&ss), std::min<size_t>(len, sizeof(ss)));
    auto s = std::make_shared<HostSocket>(static_cast<int>(r), flags);
    s->domain_ = domain_;
    s->linger_secs_ = linger_secs_;  // (the host copied the listener's)
    if (Domain() != AF_UNIX) {
      // So did it the timeouts of a TCP listener (sk_clone_lock); a unix
      // connection starts with none (unix_create1).
      s->rcvtimeo_ = rcvtimeo_;
      s->sndtimeo_ = sndtimeo_;
    }
    if (guest_unix_) s->set_guest_names(local_name_, "");
    return fs::FilePtr(s);
  }

  // A guest unix address, for a host socket standing for a guest unix
  // socket: the host address of the shared socket it names.
  SysResult<std::string> HostAddrOf(const std::string& addr) const {
    if (!guest_unix_ || addr.empty()) return addr;
    return SharedHostAddr(addr);
  }

  SysResult<void> Connect(const std::string& guest_addr) override {
    auto to = HostAddrOf(guest_addr);
    if (!to.ok()) return Errno{to.error()};
    const std::string& addr = *to;
    long r = host::Syscall(SYS_connect, host_fd_, host::L(addr.data()), addr.size());
    if (r == -ENOENT && guest_unix_) r = -ECONNREFUSED;  // no shared socket there
    if (r == 0 && guest_unix_) peer_name_ = guest_addr;
    if (r != -EINPROGRESS || nonblocking()) return Res(r);
    // SO_SNDTIMEO bounds the wait: EINPROGRESS, the connection going on
    // (Linux's inet_stream_connect).
    long w = sched::WaitHostFd(host_fd_, EPOLLOUT, sndtimeo_ ? sched::NowNs() + sndtimeo_ : 0);
    if (w == -EINTR) return Errno{EINTR};  // the connection goes on, as on Linux
    if (w == -ETIMEDOUT) return Errno{EINPROGRESS};
    int err = 0;
    socklen_t len = sizeof(err);
    host::Syscall(SYS_getsockopt, host_fd_, SOL_SOCKET, SO_ERROR, host::L(&err), host::L(&len));
    if (err) return Errno{err};
    return {};
  }

  SysResult<size_t> SendMsg(const Msg& m, int flags) override {
    iovec iov{const_cast<char*>(m.data.data()), m.data.size()};
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    // Descriptors passed over a host socket (a unix pair shared by forked
    // processes) must be host descriptors: LibOS objects become host
    // objects first, as at a fork.
    std::vector<char> control;
    std::vector<fs::FilePtr> rights = m.rights;
    bool libos_rights = false;
    for (auto& f : rights) libos_rights |= f->host_fd() < 0;
    if (libos_rights) {
      fs::Replacements moved = proc::MoveSharedObjectsToHost();
      for (auto& f : rights) {
        auto it = moved.find(f.get());
        if (it != moved.end()) f = it->second;
      }
    }
    if (!rights.empty()) {
      if (rights.size() > kMaxRights) return Errno{EINVAL};
      control.resize(CMSG_SPACE(rights.size() * sizeof(int)));
      h.msg_control = control.data();
      h.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(rights.size() * sizeof(int));
      for (size_t i = 0; i < rights.size(); i++) {
        int hfd = rights[i]->host_fd();
        if (hfd < 0) return Errno{EOPNOTSUPP};  // a listening unix socket, a timerfd...
        // The receiver reads the host's flags: ours must not show there.
        auto* hf = dynamic_cast<fs::HostFile*>(rights[i].get());
        if (hf && hf->host_nonblock_ours()) {
          long fl = host::Syscall(SYS_fcntl, hfd, F_GETFL);
          if (fl >= 0) hf->SetHostStatusFlags(hf->GuestStatusFlags(fl));
        }
        std::memcpy(CMSG_DATA(c) + i * sizeof(int), &hfd, sizeof(int));
        if (auto* hs = dynamic_cast<HostSocket*>(rights[i].get())) hs->MarkPassed();
      }
    }
    // An internet socket's IPV6_HOPLIMIT, IP_TOS... (the host only reads them).
    if (rights.empty() && !m.raw_control.empty() && !guest_unix_ && Domain() != AF_UNIX) {
      h.msg_control = const_cast<char*>(m.raw_control.data());
      h.msg_controllen = m.raw_control.size();
    }
    auto to = HostAddrOf(m.addr);
    if (!to.ok()) return Errno{to.error()};
    if (!to->empty()) {
      h.msg_name = const_cast<char*>(to->data());
      h.msg_namelen = static_cast<socklen_t>(to->size());
    }
    bool dontwait = flags & MSG_DONTWAIT;
    long r = Retry(EPOLLOUT, dontwait, [&] {
      return host::Syscall(SYS_sendmsg, host_fd_, host::L(&h), (flags & ~0x40000000 /*CMSG_CLOEXEC*/) | MSG_DONTWAIT);
    });
    if (r == -ENOENT && guest_unix_) r = -ECONNREFUSED;  // no shared socket there
    if (r < 0) return Errno{static_cast<int>(-r)};
    return static_cast<size_t>(r);
  }

  SysResult<size_t> RecvMsg(Msg* m, size_t len, int flags) override {
    m->data.resize(len);
    iovec iov{m->data.data(), len};
    sockaddr_storage ss{};
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_name = &ss;
    h.msg_namelen = sizeof(ss);
    alignas(cmsghdr) char control[CMSG_SPACE(kMaxRights * sizeof(int)) + CMSG_SPACE(sizeof(ucred))];
    // Internet sockets' control messages carry no descriptors or pids:
    // the host writes them for the caller's buffer as it would natively.
    bool raw = !guest_unix_ && Domain() != AF_UNIX;
    std::vector<char> raw_control(raw ? std::min(m->control_room, kMaxRawControl) : 0);
    bool dontwait = flags & MSG_DONTWAIT;
    long r = Retry(EPOLLIN, dontwait, [&] {
      h.msg_namelen = sizeof(ss);
      h.msg_control = raw ? raw_control.data() : control;
      h.msg_controllen = raw ? raw_control.size() : sizeof(control);
      return host::Syscall(SYS_recvmsg, host_fd_, host::L(&h),
                           (flags & ~MSG_CMSG_CLOEXEC) | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    });
    if (r < 0) return Errno{static_cast<int>(-r)};
    m->data.resize(std::min<size_t>(static_cast<size_t>(r), len));
    m->addr.assign(reinterpret_cast<char*>(&ss), std::min<size_t>(h.msg_namelen, sizeof(ss)));
    m->flags = h.msg_flags;
    if (raw) {
      raw_control.resize(h.msg_controllen);
      m->raw_control = std::move(raw_control);
      return static_cast<size_t>(r);
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_RIGHTS) {
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
          int hfd;
          std::memcpy(&hfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          m->rights.push_back(proc::AdoptHostDescriptor(hfd));
        }
      } else if (c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred;
        std::memcpy(&cred, CMSG_DATA(c), sizeof(cred));
        int pid = proc::ContainerPid(cred.pid);
        cred.pid = pid;  // 0 for a sender outside the container
        m->creds = true;
        m->cred = cred;
      }
    }
    return static_cast<size_t>(r);
  }

  SysResult<void> Shutdown(int how) override { return Res(host::Syscall(SYS_shutdown, host_fd_, how)); }

  SysResult<std::string> Name(bool peer) override {
    if (!peer && !local_name_.empty()) return local_name_;
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    long r = host::Syscall(peer ? SYS_getpeername : SYS_getsockname, host_fd_, host::L(&ss), host::L(&len));
    if (r < 0) return Errno{static_cast<int>(-r)};
    if (peer && !peer_name_.empty()) return peer_name_;
    return std::string(reinterpret_cast<char*>(&ss), std::min<size_t>(len, sizeof(ss)));
  }

  SysResult<void> GetOpt(int level, int name, std::vector<char>* val) override {
    socklen_t len = static_cast<socklen_t>(val->size());
    long r = host::Syscall(SYS_getsockopt, host_fd_, level, name, host::L(val->data()), host::L(&len));
    if (r < 0) return Errno{static_cast<int>(-r)};
    val->resize(len);
    // The host reports host pids; the guest sees container pids (0 for a
    // peer outside the container, as across a Linux pid namespace).
    if (level == SOL_SOCKET && name == SO_PEERCRED && len >= sizeof(ucred)) {
      ucred c;
      std::memcpy(&c, val->data(), sizeof(c));
      c.pid = proc::ContainerPid(c.pid);
      std::memcpy(val->data(), &c, sizeof(c));
    }
    return {};
  }
  SysResult<void> SetOpt(int level, int name, const std::vector<char>& val) override {
    long r = host::Syscall(SYS_setsockopt, host_fd_, level, name, host::L(val.data()), val.size());
    if (r == 0 && level == SOL_SOCKET && name == SO_LINGER) {
      linger l;
      std::memcpy(&l, val.data(), sizeof(l));  // (the host checked the length)
      linger_secs_ = !l.l_onoff ? 0 : l.l_linger < 0 ? -1 : l.l_linger;
    }
    // The host checked the value; the LibOS applies it (Retry).
    if (r == 0 && level == SOL_SOCKET && (name == SO_RCVTIMEO || name == kSoRcvtimeoNew)) {
      if (auto ns = SocketTimeoutOpt(val); ns.ok()) rcvtimeo_ = *ns;
    }
    if (r == 0 && level == SOL_SOCKET && (name == SO_SNDTIMEO || name == kSoSndtimeoNew)) {
      if (auto ns = SocketTimeoutOpt(val); ns.ok()) sndtimeo_ = *ns;
    }
    return Res(r);
  }

  SysResult<size_t> Read(void* buf, size_t len) override {
    long r = Retry(EPOLLIN, false, [&] { return host::Syscall(SYS_recvfrom, host_fd_, host::L(buf), len, MSG_DONTWAIT, 0, 0); });
    if (r < 0) return Errno{static_cast<int>(-r)};
    return static_cast<size_t>(r);
  }
  SysResult<size_t> Write(const void* buf, size_t len) override {
    long r = Retry(EPOLLOUT, false, [&] { return host::Syscall(SYS_sendto, host_fd_, host::L(buf), len, MSG_DONTWAIT, 0, 0); });
    if (r < 0) return Errno{static_cast<int>(-r)};
    return static_cast<size_t>(r);
  }
  SysResult<void> Stat(struct stat* st) override { return Res(host::Syscall(SYS_fstat, host_fd_, host::L(st))); }
  SysResult<int> Available() override {
    int n = 0;
    long r = host::Syscall(SYS_ioctl, host_fd_, FIONREAD, host::L(&n));
    if (r < 0) return Errno{static_cast<int>(-r)};
    return n;
  }

 private:
  static SysResult<void> Res(long r) {
    if (r < 0) return Errno{static_cast<int>(-r)};
    return {};
  }

  // No other process can hold this description: made here, not passed in
  // a message, and this process never forked (a child may have a copy;
  // shutting down its connection below would break it).
  bool OnlyOurs() const {
    const Process& p = CurrentProcess();
    return owner_pid_ == p.host_pid && !passed_ && !p.may_have_children;
  }
  int TcpState() const {
    tcp_info ti{};
    socklen_t len = sizeof(ti);
    if (host::Syscall(SYS_getsockopt, host_fd_, IPPROTO_TCP, TCP_INFO, host::L(&ti), host::L(&len)) < 0)
      return -1;  // not TCP: nothing lingers
    return ti.tcpi_state;
  }
  static bool FinUnacked(int state) {
    return state == TCP_FIN_WAIT1 || state == TCP_CLOSING || state == TCP_LAST_ACK;
  }
  // close() with SO_LINGER {1, N != 0} (docs/network.md "Lingering
  // close"). The host's own wait cannot serve: the kthread's preemption
  // timer signal ends it within a time slice, and it would hold the
  // kthread. So the LibOS does the first half of tcp_close itself: with
  // nothing unread (else the close resets, and does not wait), both
  // directions shut (the FIN after the queued data; data arriving later
  // resets), then the uthread waits, looking at the state at growing
  // intervals (1 to 16 ms: no host event tells that the FIN was
  // acknowledged), until it leaves FIN-WAIT-1, CLOSING and LAST-ACK, the
  // time passes or a signal comes. Lingering is then switched off, so that
  // the host's close goes on in the background.
  void LingerBeforeClose() {
    int state = TcpState();
    if (state != TCP_ESTABLISHED && state != TCP_CLOSE_WAIT && !FinUnacked(state)) return;
    int unread = 0;
    if (host::Syscall(SYS_ioctl, host_fd_, FIONREAD, host::L(&unread)) < 0 || unread > 0) return;
    if (host::Syscall(SYS_shutdown, host_fd_, SHUT_RDWR) < 0) return;
    uint64_t timeout = LingerTimeoutNs(linger_secs_);
    uint64_t deadline = timeout ? sched::NowNs() + timeout : 0;
    uint64_t step = 1'000'000;
    while (FinUnacked(TcpState())) {
      uint64_t now = sched::NowNs();
      if (deadline && now >= deadline) break;
      uint64_t until = deadline ? std::min(now + step, deadline) : now + step;
      sched::Current()->BeginWait();
      if (sched::Park(until, true) == sched::WakeReason::kSignal) break;
      step = std::min<uint64_t>(step * 2, 16'000'000);
    }
    linger off{0, 0};
    host::Syscall(SYS_setsockopt, host_fd_, SOL_SOCKET, SO_LINGER, host::L(&off), sizeof(off));
  }

  const int owner_pid_;  // the host process that made it
  bool passed_ = false;  // sent or received in an SCM_RIGHTS message
  int linger_secs_ = 0;  // SO_LINGER {1, N}: N (< 0: forever); 0: no wait
  uint64_t rcvtimeo_ = 0, sndtimeo_ = 0;  // SO_RCVTIMEO/SO_SNDTIMEO in ns (0: none)
  std::string local_name_, peer_name_;  // guest names; empty: the host's
  bool guest_unix_ = false;  // stands for a guest unix socket (set_guest_names)
  int domain_ = -1;          // SO_DOMAIN, asked once (Domain)

  int Domain() {
    if (domain_ < 0) {
      int d = AF_UNIX;
      socklen_t len = sizeof(d);
      host::Syscall(SYS_getsockopt, host_fd_, SOL_SOCKET, SO_DOMAIN, host::L(&d), host::L(&len));
      domain_ = d;
    }
    return domain_;
  }
};

}  // namespace

fs::FilePtr WrapHostSocket(int host_fd, int guest_flags) {
  host::Syscall(SYS_fcntl, host_fd, F_SETFL, O_NONBLOCK);
  return std::make_shared<HostSocket>(host_fd, guest_flags);
}

fs::FilePtr WrapReceivedHostSocket(int host_fd, int guest_flags) {
  host::Syscall(SYS_fcntl, host_fd, F_SETFL, O_NONBLOCK);
  auto s = std::make_shared<HostSocket>(host_fd, guest_flags);
  s->MarkPassed();
  s->LoadTimeoutsFromHost();
  return s;
}

fs::FilePtr WrapHostUnixSocket(int host_fd, int guest_flags, std::string local, std::string peer) {
  host::Syscall(SYS_fcntl, host_fd, F_SETFL, O_NONBLOCK);
  auto s = std::make_shared<HostSocket>(host_fd, guest_flags);
  s->set_guest_names(std::move(local), std::move(peer));
  return s;
}

SysResult<fs::FilePtr> MakeHostSocket(int domain, int type, int protocol) {
  int base = type & 0xf;
  long fd = host::Syscall(SYS_socket, domain, base | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return Errno{static_cast<int>(-fd)};
  auto s = std::make_shared<HostSocket>(static_cast<int>(fd), (type & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
  s->set_domain(domain);
  return fs::FilePtr(std::move(s));
}

}  // namespace junction::libos::net
