// A frame-level stand-in for a bypass container in the network tests:
// registers with the daemon through the real client (with an IPv4
// address), attaches its kthread's packet rings through the real
// container end (net/container_queue.h) and, instead of a TCP/IP stack,
// answers the few things the tests send. It exercises the daemon's
// switch, ARP answers and NIC without depending on the LibOS stack.
//
// usage: ring_container SOCKET NAME IP MODE [ARGS]
//   echo                      answer ICMP echo requests and UDP to port 7
//   udp-client DST PORT N     resolve DST by ARP, send N datagrams to
//                             DST:PORT, count the echoes ("echoed K/N")
//   scribble                  write random bytes over its own rings (but
//                             keep them marked attached) and send garbage
//                             frames until killed
// Prints "registered ID" and "attached". Stops on SIGTERM.
#include <arpa/inet.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "net/container_queue.h"
#include "net/switch_frame.h"
#include "sched/daemon_client.h"
#include "sched/status_format.h"

using namespace junction;

namespace {

std::atomic<bool> g_stop{false};

void Sleep(long ns) {
  timespec ts{0, ns};
  nanosleep(&ts, nullptr);
}

uint16_t Checksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  if (n & 1) sum += uint32_t{p[n - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void Put16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8), p[1] = static_cast<uint8_t>(v); }
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}

struct Ctx {
  sched::DaemonSession* session;
  net::ContainerQueue* q;
  uint32_t ip;
  net::Mac mac;
  net::Mac peer_mac{};
  bool peer_known = false;
  uint32_t peer_ip = 0;
  int echoes = 0;
  uint64_t answered = 0;
};

void Send(Ctx* c, std::vector<uint8_t>& f) {
  if (c->q->Transmit(f) && c->q->DaemonWantsKick()) c->session->RingDoorbell();
}

// Echo mode: ICMP echo request -> reply; UDP to port 7 -> the same back.
void Answer(Ctx* c, std::span<const uint8_t> in) {
  net::ParsedFrame f;
  if (!net::ParseFrame(in, &f) || !f.ipv4 || f.ip_dst != c->ip) return;
  std::vector<uint8_t> out(in.begin(), in.end());
  uint8_t* ip = out.data() + 14;
  uint32_t ihl = (ip[0] & 15u) * 4, total = net::Be16(ip + 2);
  out.resize(14 + total);
  std::memcpy(out.data(), in.data() + 6, 6);
  std::memcpy(out.data() + 6, c->mac.data(), 6);
  Put32(ip + 12, f.ip_dst);
  Put32(ip + 16, f.ip_src);
  if (f.ip_proto == 1 && total >= ihl + 8 && ip[ihl] == 8) {
    ip[ihl] = 0;
    Put16(ip + ihl + 2, 0);
    Put16(ip + ihl + 2, Checksum(ip + ihl, total - ihl));
  } else if (f.ip_proto == net::kIpProtoUdp && f.port_dst == 7) {
    Put16(ip + ihl, f.port_dst);
    Put16(ip + ihl + 2, f.port_src);
  } else {
    return;
  }
  c->answered++;
  Send(c, out);
}

std::vector<uint8_t> ArpRequest(const Ctx* c, uint32_t target) {
  std::vector<uint8_t> f(60, 0);
  std::memcpy(f.data(), net::kBroadcastMac.data(), 6);
  std::memcpy(f.data() + 6, c->mac.data(), 6);
  Put16(f.data() + 12, net::kEtherTypeArp);
  uint8_t* a = f.data() + 14;
  Put16(a, 1);
  Put16(a + 2, net::kEtherTypeIpv4);
  a[4] = 6, a[5] = 4;
  Put16(a + 6, 1);
  std::memcpy(a + 8, c->mac.data(), 6);
  Put32(a + 14, c->ip);
  Put32(a + 24, target);
  return f;
}

std::vector<uint8_t> UdpTo(const Ctx* c, uint16_t port, uint32_t seq) {
  std::vector<uint8_t> f(14 + 20 + 8 + 32, 0);
  std::memcpy(f.data(), c->peer_mac.data(), 6);
  std::memcpy(f.data() + 6, c->mac.data(), 6);
  Put16(f.data() + 12, net::kEtherTypeIpv4);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  Put16(ip + 2, 20 + 8 + 32);
  ip[8] = 64;
  ip[9] = net::kIpProtoUdp;
  Put32(ip + 12, c->ip);
  Put32(ip + 16, c->peer_ip);
  Put16(ip + 10, Checksum(ip, 20));
  Put16(ip + 20, 40000);
  Put16(ip + 22, port);
  Put16(ip + 24, 8 + 32);
  Put32(ip + 28, seq);
  return f;
}

void ClientInput(Ctx* c, std::span<const uint8_t> in) {
  net::ParsedFrame f;
  if (!net::ParseFrame(in, &f)) return;
  if (f.arp && f.arp_op == 2 && f.arp_sender_ip == c->peer_ip) {
    c->peer_mac = f.arp_sender_mac;
    c->peer_known = true;
  } else if (f.ipv4 && f.ip_proto == net::kIpProtoUdp && f.ip_src == c->peer_ip && f.port_dst == 40000) {
    c->echoes++;
  }
}

int RunClient(Ctx* c, uint32_t dst, uint16_t port, int n) {
  c->peer_ip = dst;
  for (int tries = 0; tries < 50 && !c->peer_known; tries++) {
    std::vector<uint8_t> req = ArpRequest(c, dst);
    Send(c, req);
    for (int i = 0; i < 100 && !c->peer_known; i++) {
      c->q->PollRx([&](std::span<const uint8_t> f) { ClientInput(c, f); }, 64);
      Sleep(1'000'000);
    }
  }
  if (!c->peer_known) {
    std::printf("no ARP answer for the peer\n");
    return 1;
  }
  std::printf("peer MAC %02x:%02x:%02x:%02x:%02x:%02x\n", c->peer_mac[0], c->peer_mac[1],
              c->peer_mac[2], c->peer_mac[3], c->peer_mac[4], c->peer_mac[5]);
  for (int i = 0; i < n; i++) {
    std::vector<uint8_t> f = UdpTo(c, port, static_cast<uint32_t>(i));
    Send(c, f);
    // One at a time, waiting up to 1 s for each echo (no timing asserted).
    int want = c->echoes + 1;
    for (int w = 0; w < 10000 && c->echoes < want; w++) {
      c->q->PollRx([&](std::span<const uint8_t> fr) { ClientInput(c, fr); }, 64);
      if (c->echoes < want) Sleep(100'000);
    }
  }
  std::printf("echoed %d/%d\n", c->echoes, n);
  std::fflush(stdout);
  return c->echoes == n ? 0 : 1;
}

void Scribble(Ctx* c, net::PacketQueues* rings) {
  std::mt19937_64 rng(getpid());
  auto* words = reinterpret_cast<uint64_t*>(rings);
  const size_t n = offsetof(net::PacketQueues, buffers) / 8;
  std::vector<uint8_t> junk(64);
  while (!g_stop.load()) {
    for (int i = 0; i < 64; i++) words[rng() % n] = (rng() & 1) ? rng() : rng() % 2048;
    // Still claim to be attached: scribbled over, that word alone would
    // stop the daemon polling these rings (often within ~40 rounds), and
    // it would then see none of the garbage this mode exists to feed it.
    rings->attached.store(net::kQueueAttached, std::memory_order_release);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    c->q->Transmit(junk);
    c->session->RingDoorbell();
    Sleep(200'000);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: ring_container SOCKET NAME IP MODE [ARGS]\n");
    return 2;
  }
  signal(SIGTERM, [](int) { g_stop = true; });
  signal(SIGINT, [](int) { g_stop = true; });
  setvbuf(stdout, nullptr, _IOLBF, 0);
  config::AppConfig cfg = config::DefaultAppConfig();
  cfg.daemon_socket = argv[1];
  cfg.name = argv[2];
  cfg.cpu.max_cores = 1;
  in_addr a{};
  if (inet_pton(AF_INET, argv[3], &a) != 1) return 2;
  cfg.net.mode = config::NetMode::kBypass;
  cfg.net.address = config::Ipv4Cidr{ntohl(a.s_addr), 24};
  std::string mode = argv[4];
  std::string why;
  std::optional<sched::DaemonSession> s = sched::ConnectDaemon(cfg, {argv[0], mode}, &why);
  if (!s) {
    std::printf("not registered: %s\n", why.c_str());
    return 1;
  }
  std::printf("registered %llu\n", static_cast<unsigned long long>(s->container_id()));
  static net::ContainerQueue q;
  q.Attach(s->queues(0));
  Ctx c{&*s, &q, cfg.net.address->addr, net::ContainerMac(cfg.net.address->addr)};
  std::printf("attached\n");
  if (mode == "udp-client" && argc >= 8) {
    in_addr d{};
    if (inet_pton(AF_INET, argv[5], &d) != 1) return 2;
    return RunClient(&c, ntohl(d.s_addr), static_cast<uint16_t>(std::atoi(argv[6])), std::atoi(argv[7]));
  }
  if (mode == "scribble") {
    Scribble(&c, s->queues(0));
    return 0;
  }
  if (mode != "echo") return 2;
  while (!g_stop.load()) {
    int n = q.PollRx([&](std::span<const uint8_t> f) { Answer(&c, f); }, 64);
    if (n == 0) Sleep(50'000);
    s->Poll();
  }
  std::printf("answered %llu\n", static_cast<unsigned long long>(c.answered));
  return 0;
}
