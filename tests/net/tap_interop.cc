// Interop of the LibOS network stack with Linux's TCP/IP (issue #7): run
// inside a fresh network namespace by tap_interop.sh. The stack sits on a
// TAP device as 10.99.7.2; Linux's side of the TAP is 10.99.7.1. Linux's
// ping, UDP and TCP talk to the stack, in both directions, with the data
// verified byte for byte, then again with 1% loss injected in the link.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "net/stack/tcp.h"
#include "net/stack/udp.h"
#include "tap_link.h"

using namespace junction::net;

namespace {

int failures = 0;
#define EXPECT(cond)                                                     \
  do {                                                                   \
    if (cond) {                                                          \
      std::printf("  ok: %s\n", #cond);                                  \
    } else {                                                             \
      std::printf("  FAILED: %s (%s:%d)\n", #cond, __FILE__, __LINE__);  \
      failures++;                                                        \
    }                                                                    \
  } while (0)

uint64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

// Wakes a thread waiting on stack sockets (their notify callbacks).
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t gen = 0;
  std::function<void()> Fn() {
    return [this] {
      std::lock_guard<std::mutex> g(mu);
      gen++;
      cv.notify_all();
    };
  }
  // Waits until pred() or the deadline; the pred is re-checked on every wake.
  bool Until(const std::function<bool()>& pred, int seconds = 60) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::unique_lock<std::mutex> lk(mu);
    while (true) {
      uint64_t g = gen;
      lk.unlock();
      if (pred()) return true;
      lk.lock();
      if (std::chrono::steady_clock::now() >= end) return false;
      cv.wait_for(lk, std::chrono::milliseconds(20), [&] { return gen != g; });
    }
  }
};

std::vector<std::byte> Pattern(size_t n, uint32_t seed) {
  std::vector<std::byte> v(n);
  std::mt19937 r(seed);
  for (size_t i = 0; i < n; i += 4) {
    uint32_t x = r();
    for (size_t j = 0; j < 4 && i + j < n; ++j) v[i + j] = std::byte(x >> (8 * j));
  }
  return v;
}

sockaddr_in Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

constexpr Ip4 kStackIp = MakeIp4(10, 99, 7, 2);
constexpr Ip4 kHostIp = MakeIp4(10, 99, 7, 1);

// Linux client -> stack echo server: `n` bytes there and back.
bool EchoThroughStack(NetStack& st, uint16_t port, size_t n) {
  auto l = st.NewTcpSocket();
  Waiter w;
  l->set_notify(w.Fn());
  if (!l->Bind({0, port}).ok() || !l->Listen(8).ok()) return false;
  auto data = Pattern(n, static_cast<uint32_t>(n));
  std::vector<std::byte> back;
  bool client_ok = false;
  std::thread client([&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = Addr("10.99.7.2", port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      std::printf("  linux connect: %s\n", strerror(errno));
      close(fd);
      return;
    }
    std::thread writer([&] {
      size_t off = 0;
      while (off < data.size()) {
        ssize_t k = send(fd, data.data() + off, std::min<size_t>(65536, data.size() - off), MSG_NOSIGNAL);
        if (k <= 0) break;
        off += static_cast<size_t>(k);
      }
      shutdown(fd, SHUT_WR);
    });
    std::vector<std::byte> buf(65536);
    for (;;) {
      ssize_t k = recv(fd, buf.data(), buf.size(), 0);
      if (k <= 0) break;
      back.insert(back.end(), buf.begin(), buf.begin() + k);
    }
    writer.join();
    close(fd);
    client_ok = true;
  });
  std::shared_ptr<TcpSocket> s;
  w.Until([&] {
    auto r = l->Accept(nullptr);
    if (r.ok()) s = *r;
    return s != nullptr;
  });
  if (!s) {
    client.join();
    return false;
  }
  s->set_notify(w.Fn());
  std::vector<std::byte> pending, buf(65536);
  bool eof = false;
  w.Until([&] {
    for (;;) {
      if (!pending.empty()) {
        auto k = s->Send(pending);
        if (k.ok()) pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(*k));
        else if (k.error() != EAGAIN) return true;
        if (!pending.empty()) return false;
      }
      if (eof) return true;
      auto k = s->Recv(buf, 0);
      if (!k.ok()) return k.error() != EAGAIN;
      if (*k == 0) {
        eof = true;
        continue;
      }
      pending.assign(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*k));
    }
  }, 600);
  (void)s->Shutdown(false, true);
  client.join();
  TcpInfo info = s->Info();
  std::printf("  echo %zu bytes: back %zu, retransmits %u, srtt %u us, cwnd %u\n", n, back.size(),
              info.total_retrans, info.rtt_us, info.snd_cwnd);
  s->Close();
  l->Close();
  return client_ok && back == data;
}

// Stack client -> Linux server: `n` bytes each way.
bool StackToLinux(NetStack& st, uint16_t port, size_t n) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a = Addr("10.99.7.1", port);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(lfd, 4) != 0) return false;
  auto up = Pattern(n, 1), down = Pattern(n, 2);
  bool server_got_all = false;
  std::thread server([&] {
    int fd = accept(lfd, nullptr, nullptr);
    if (fd < 0) return;
    std::thread writer([&] {
      size_t off = 0;
      while (off < down.size()) {
        ssize_t k = send(fd, down.data() + off, std::min<size_t>(65536, down.size() - off), MSG_NOSIGNAL);
        if (k <= 0) break;
        off += static_cast<size_t>(k);
      }
      shutdown(fd, SHUT_WR);
    });
    std::vector<std::byte> got, buf(65536);
    for (;;) {
      ssize_t k = recv(fd, buf.data(), buf.size(), 0);
      if (k <= 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + k);
    }
    writer.join();
    server_got_all = got == up;
    close(fd);
  });
  auto c = st.NewTcpSocket();
  Waiter w;
  c->set_notify(w.Fn());
  bool connected = c->Connect({kHostIp, port}).error() == EINPROGRESS &&
                   w.Until([&] { return c->state() != TcpState::kSynSent; }) &&
                   c->TakeError() == 0 && c->state() == TcpState::kEstablished;
  std::vector<std::byte> got, buf(65536);
  size_t off = 0;
  bool eof = false, shut = false;
  if (connected) {
    w.Until([&] {
      for (;;) {
        bool progress = false;
        if (off < up.size()) {
          auto k = c->Send(std::span(up).subspan(off));
          if (k.ok()) { off += *k; progress = true; }
          else if (k.error() != EAGAIN) return true;
        } else if (!shut) {
          (void)c->Shutdown(false, true);
          shut = true;
        }
        auto k = c->Recv(buf, 0);
        if (k.ok() && *k == 0) eof = true;
        else if (k.ok()) { got.insert(got.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*k)); progress = true; }
        else if (k.error() != EAGAIN) return true;
        if (eof && shut) return true;
        if (!progress) return false;
      }
    }, 600);
  }
  if (!connected) shutdown(lfd, SHUT_RDWR);
  server.join();
  close(lfd);
  TcpInfo info = c->Info();
  std::printf("  stack->linux %zu bytes each way: sent %zu, got %zu, retransmits %u, srtt %u us\n", n,
              off, got.size(), info.total_retrans, info.rtt_us);
  c->Close();
  return connected && server_got_all && got == down;
}

bool UdpBothWays(NetStack& st) {
  auto u = st.NewUdpSocket();
  Waiter w;
  u->set_notify(w.Fn());
  if (!u->Bind({0, 7}).ok()) return false;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in me = Addr("10.99.7.1", 9000), to = Addr("10.99.7.2", 7);
  bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof(me));
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  // Linux -> stack, stack echoes; include a datagram Linux must fragment.
  bool ok = true;
  for (size_t len : {5u, 1472u, 8000u}) {
    auto d = Pattern(len, static_cast<uint32_t>(len));
    sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    std::vector<std::byte> buf(9000);
    Endpoint from;
    size_t got = 0;
    w.Until([&] {
      auto r = u->RecvFrom(buf, 0, &from, nullptr);
      if (!r.ok()) return false;
      got = *r;
      return true;
    }, 10);
    ok = ok && got == len && std::equal(d.begin(), d.end(), buf.begin());
    ok = ok && u->SendTo(std::span(buf).first(got), &from).ok();
    std::vector<std::byte> back(9000);
    ssize_t k = recv(fd, back.data(), back.size(), 0);
    ok = ok && k == static_cast<ssize_t>(len) && std::equal(d.begin(), d.end(), back.begin());
    std::printf("  udp %zu bytes: stack got %zu, linux got back %zd\n", len, got, k);
  }
  close(fd);
  return ok;
}

bool RefusedByStack() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Addr("10.99.7.2", 1);
  int r = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  int err = errno;
  close(fd);
  return r == -1 && err == ECONNREFUSED;
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  test::TapLink link("jtap0", MacAddr{{0x02, 0x00, 0x0a, 0x63, 0x07, 0x02}});
  if (std::system("ip link set lo up && ip addr add 10.99.7.1/24 dev jtap0 && ip link set jtap0 up") != 0) {
    std::printf("cannot configure jtap0\n");
    return 1;
  }
  StackConfig cfg;
  cfg.addr = kStackIp;
  cfg.prefix = 24;
  cfg.gateway = kHostIp;
  cfg.clock = MonoNs;
  cfg.seed = MonoNs();
  NetStack st(&link, cfg);
  link.Start(&st);
  st.Announce();

  std::printf("ping from Linux (small, then fragmented 4000-byte echoes):\n");
  EXPECT(std::system("ping -c 3 -i 0.2 -W 5 10.99.7.2 > /dev/null") == 0);
  EXPECT(std::system("ping -c 2 -i 0.2 -W 5 -s 4000 10.99.7.2 > /dev/null") == 0);
  std::printf("UDP both ways:\n");
  EXPECT(UdpBothWays(st));
  std::printf("TCP to a closed port of the stack:\n");
  EXPECT(RefusedByStack());
  std::printf("TCP, Linux client to a server in the stack:\n");
  EXPECT(EchoThroughStack(st, 7000, 16u << 20));
  std::printf("TCP, stack client to a Linux server:\n");
  EXPECT(StackToLinux(st, 7001, 8u << 20));
  std::printf("with 1%% loss each way in the link:\n");
  link.set_loss(0.01);
  EXPECT(EchoThroughStack(st, 7002, 32u << 20));
  EXPECT(StackToLinux(st, 7003, 16u << 20));
  link.set_loss(0);
  std::printf("  frames dropped by the link: %lu\n", static_cast<unsigned long>(link.dropped()));

  link.Stop();
  StackCounters c = st.counters();
#define PRINT_COUNTER(name) \
  if (c.name) std::printf("  %s %lu\n", #name, static_cast<unsigned long>(c.name));
  std::printf("stack counters:\n");
  JUNCTION_STACK_COUNTERS(PRINT_COUNTER)
  EXPECT(c.icmp_echo_in >= 5);
  EXPECT(c.tcp_retransmits > 0);
  std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
  return failures ? 1 : 0;
}
