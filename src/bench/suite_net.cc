// Suite `net`: round trips and a stream between two programs (issue 7).
//
// Natively: an echo server and a client, two processes over Linux
// loopback (127.0.0.1). Under junction: the same two programs in two
// bypass containers (`[net] mode = "bypass"`) through a `junction daemon`
// this suite starts on a private socket with `nic.kind = "none"` (frames
// are switched between the containers' rings in memory, so no TAP, network
// namespace or root is needed and nothing is left behind).
//
//   udp_rtt_1b, udp_rtt_1k   median µs of `iterations` UDP round trips of
//                            1 and 1024 bytes (after a tenth as warm-up)
//   tcp_rtt_1b, tcp_rtt_1k   the same over one TCP connection (TCP_NODELAY)
//   tcp_stream               MiB/s of `iterations` MiB sent over one TCP
//                            connection until the server acknowledges them
//
// Placement: the bench is pinned to one CPU (the highest, `--cpu`), so
// natively both processes share it. The daemon manages that CPU
// (`cores = [CPU]`) and runs on the others; both containers (one core at
// most each) take turns on it. Each row twice: with the daemon's
// `polling` = "adaptive" and "busy" (a busy daemon spins on its own CPU).
// Not `[cpu] spinning_kthreads`: a spinning kthread keeps its core while
// idle, and the other container, which shares that core, would never get
// it.
//
// A client that has not finished after kClientTimeoutS is killed and the
// row fails (a stalled connection must not hang the bench).
//
// The guests are this binary's hidden workers `net server` and `net
// udp_1b` ... `net stream`; a client finds its server through the
// environment variable JUNCTION_BENCH_NET_PEER ("IP UDP_PORT TCP_PORT").
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "bench/process.h"
#include "bench/runner.h"
#include "bench/stats.h"

extern char** environ;

namespace junction::bench {

namespace {

constexpr const char* kPeerEnv = "JUNCTION_BENCH_NET_PEER";
constexpr const char* kServerAddress = "10.99.0.2";
constexpr const char* kClientAddress = "10.99.0.3";
constexpr size_t kMaxMessage = 1 << 16;
constexpr int64_t kClientTimeoutS = 60;

// ---- guests ----

sockaddr_in Address(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

bool ReadFull(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteFull(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

int BoundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
  return ntohs(a.sin_port);
}

void UdpEcho(int fd) {
  static char buf[kMaxMessage];
  for (;;) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n >= 0) sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

// One TCP connection: 'E' + a 4-byte size, then echo messages of that
// size; or 'S' + an 8-byte count, then sink that many bytes and answer 'k'.
void TcpServe(int c) {
  static char buf[kMaxMessage];
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char kind = 0;
  if (!ReadFull(c, &kind, 1)) return;
  if (kind == 'S') {
    int64_t want = 0, got = 0;
    if (!ReadFull(c, reinterpret_cast<char*>(&want), sizeof want)) return;
    while (got < want) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) return;
      got += n;
    }
    WriteFull(c, "k", 1);
  } else if (kind == 'E') {
    uint32_t size = 0;
    if (!ReadFull(c, reinterpret_cast<char*>(&size), sizeof size) || size == 0 || size > sizeof buf) return;
    while (ReadFull(c, buf, size) && WriteFull(c, buf, size)) {
    }
  }
}

// The echo server: UDP on one thread, TCP connections one at a time on
// this one. Prints "ports UDP TCP" once both are bound, then serves until
// killed.
Measurement ServerGuest(const Context&) {
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  int t = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in any = Address("0.0.0.0", 0);
  if (u < 0 || t < 0 || bind(u, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
      bind(t, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || listen(t, 16) != 0)
    return {0, std::string("server sockets: ") + std::strerror(errno)};
  std::printf("ports %d %d\n", BoundPort(u), BoundPort(t));
  std::fflush(stdout);
  std::thread(UdpEcho, u).detach();
  for (;;) {
    int c = accept(t, nullptr, nullptr);
    if (c < 0) continue;
    TcpServe(c);
    close(c);
  }
}

struct Peer {
  std::string ip;
  int udp = 0, tcp = 0;
};

bool PeerFromEnv(Peer* p) {
  const char* v = std::getenv(kPeerEnv);
  if (!v) return false;
  std::istringstream in(v);
  return static_cast<bool>(in >> p->ip >> p->udp >> p->tcp);
}

Measurement ReportRtt(std::vector<double>& us) {
  if (us.empty()) return {0, "no iterations"};
  return {PrintPercentiles("rtt_us", us).p50, ""};
}

Measurement UdpRoundTrips(const Context& ctx, size_t size) {
  Peer peer;
  if (!PeerFromEnv(&peer)) return {0, std::string(kPeerEnv) + " is not set"};
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to = Address(peer.ip.c_str(), peer.udp);
  timeval tv{1, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
    return {0, std::string("udp connect: ") + std::strerror(errno)};
  static char buf[kMaxMessage];
  std::memset(buf, 'p', size);
  std::vector<double> us;
  int lost = 0;
  while (us.size() < ctx.iterations) {
    int64_t t0 = NowNs();
    if (send(s, buf, size, 0) != static_cast<ssize_t>(size) ||
        recv(s, buf, sizeof buf, 0) != static_cast<ssize_t>(size)) {
      if (++lost > 100) {  // a lost datagram is sent again; this many is broken
        close(s);
        return {0, "udp: more than 100 datagrams lost"};
      }
      continue;
    }
    us.push_back(static_cast<double>(NowNs() - t0) / 1000.0);
  }
  close(s);
  return ReportRtt(us);
}

int TcpConnect(const Peer& peer) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to = Address(peer.ip.c_str(), peer.tcp);
  if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (s >= 0) close(s);
    return -1;
  }
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return s;
}

Measurement TcpRoundTrips(const Context& ctx, uint32_t size) {
  Peer peer;
  if (!PeerFromEnv(&peer)) return {0, std::string(kPeerEnv) + " is not set"};
  int s = TcpConnect(peer);
  if (s < 0) return {0, std::string("tcp connect: ") + std::strerror(errno)};
  static char buf[kMaxMessage];
  std::memset(buf, 'p', size);
  if (!WriteFull(s, "E", 1) || !WriteFull(s, reinterpret_cast<const char*>(&size), sizeof size)) {
    close(s);
    return {0, "tcp: the server went away"};
  }
  std::vector<double> us;
  for (uint64_t i = 0; i < ctx.iterations; i++) {
    int64_t t0 = NowNs();
    if (!WriteFull(s, buf, size) || !ReadFull(s, buf, size)) {
      close(s);
      return {0, "tcp: the server went away"};
    }
    us.push_back(static_cast<double>(NowNs() - t0) / 1000.0);
  }
  close(s);
  return ReportRtt(us);
}

// `iterations` MiB over one connection; MiB/s until the server's 'k'.
Measurement StreamGuest(const Context& ctx) {
  Peer peer;
  if (!PeerFromEnv(&peer)) return {0, std::string(kPeerEnv) + " is not set"};
  int s = TcpConnect(peer);
  if (s < 0) return {0, std::string("tcp connect: ") + std::strerror(errno)};
  int64_t want = static_cast<int64_t>(std::max<uint64_t>(ctx.iterations, 1)) << 20;
  static char buf[kMaxMessage];
  std::memset(buf, 'x', sizeof buf);
  int64_t t0 = NowNs();
  bool ok = WriteFull(s, "S", 1) && WriteFull(s, reinterpret_cast<const char*>(&want), sizeof want);
  for (int64_t sent = 0; ok && sent < want; sent += static_cast<int64_t>(sizeof buf))
    ok = WriteFull(s, buf, static_cast<size_t>(std::min<int64_t>(want - sent, sizeof buf)));
  char k = 0;
  ok = ok && ReadFull(s, &k, 1) && k == 'k';
  double secs = static_cast<double>(NowNs() - t0) / 1e9;
  close(s);
  if (!ok) return {0, "stream: the server went away"};
  return {static_cast<double>(want >> 20) / secs, ""};
}

Measurement Udp1Guest(const Context& ctx) { return UdpRoundTrips(ctx, 1); }
Measurement Udp1kGuest(const Context& ctx) { return UdpRoundTrips(ctx, 1024); }
Measurement Tcp1Guest(const Context& ctx) { return TcpRoundTrips(ctx, 1); }
Measurement Tcp1kGuest(const Context& ctx) { return TcpRoundTrips(ctx, 1024); }

// ---- host side ----

// A background process, killed and reaped when this goes away.
std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::string Tail(const std::string& s) {
  return s.size() > 300 ? "..." + s.substr(s.size() - 300) : s;
}

// A scratch directory in $TMPDIR (or /tmp), removed with what the suite
// put in it.
struct Scratch {
  std::string dir;    // empty if it could not be made (then `error` says why)
  std::string error;
  std::vector<std::string> files;
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/junction-bench-net.XXXXXX";
    if (mkdtemp(tmpl.data()))
      dir = tmpl;
    else
      error = "cannot make the scratch directory " + tmpl + ": " + std::strerror(errno);
  }
  ~Scratch() {
    for (const std::string& f : files) unlink(f.c_str());
    if (dir.empty()) return;
    // A container that ran without the daemon registered itself here
    // (StandaloneDir of the socket); killed, it could not unregister.
    std::string standalone = dir + "/standalone";
    if (DIR* d = opendir(standalone.c_str())) {
      while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') unlink((standalone + "/" + e->d_name).c_str());
      closedir(d);
      rmdir(standalone.c_str());
    }
    rmdir(dir.c_str());
  }
  std::string Path(const std::string& name) {
    files.push_back(dir + "/" + name);
    return files.back();
  }
};

// Waits for the server's "ports U T" line (up to 10 s).
bool WaitForPorts(const std::string& out_path, const Child& server, int* udp, int* tcp) {
  for (int i = 0; i < 1000; i++) {
    std::string out = ReadFile(out_path);
    size_t at = out.find("ports ");
    if (at != std::string::npos && std::sscanf(out.c_str() + at, "ports %d %d", udp, tcp) == 2) return true;
    if (server.pid <= 0 || waitpid(server.pid, nullptr, WNOHANG) != 0) return false;
    SleepMs(10);
  }
  return false;
}

std::vector<std::string> Worker(const Context& ctx, const char* name, uint64_t n) {
  return {ctx.self_exe, "bench", "worker", "net", name, std::to_string(n)};
}

std::string AppConfig(Scratch& s, const char* name, const char* address, const std::string& socket) {
  std::string path = s.Path(std::string(name) + ".toml");
  std::ofstream f(path);
  f << "name = \"bench-net-" << name << "\"\n[cpu]\nclass = \"latency-critical\"\nmax_cores = 1\n"
    << "guaranteed_cores = 1\n[net]\nmode = \"bypass\"\naddress = \"" << address << "/24\"\n"
    << "[daemon]\nsocket = \"" << socket << "\"\n";
  return path;
}

// Runs the client worker `guest` against a server (native, or both in
// bypass containers through a daemon) and returns what the client
// measured; the daemon polls as `polling`.
Measurement Measure(const Context& ctx, const char* guest, const char* polling) {
  Scratch s;
  if (s.dir.empty()) return {0, s.error};  // a socket path under "/" would follow
  std::vector<std::string> server_argv = Worker(ctx, "server", 1);
  std::vector<std::string> client_argv = Worker(ctx, guest, ctx.iterations);
  Child daemon, server;
  std::string peer_ip = "127.0.0.1";
  if (ctx.side == Side::kJunction) {
    int cpu = PinnedCpu();
    if (cpu < 0) return {0, "no CPU to manage"};
    std::string socket = s.Path("control.sock");
    std::string daemon_log = s.Path("daemon.log");
    if (!SpawnChild({ctx.self_exe, "daemon", "--set", "control.socket=\"" + socket + "\"", "--set",
                "cores=[" + std::to_string(cpu) + "]", "--set", std::string("polling=\"") + polling + "\"",
                "--set", "nic.kind=\"none\""},
               &daemon, daemon_log))
      return {0, "cannot start junction daemon"};
    // Its "listening" line, not the socket file: a container that connects
    // between bind and listen would run standalone (no link to the switch).
    bool up = false;
    for (int i = 0; i < 500 && !up; i++) {
      up = ReadFile(daemon_log).find("listening on") != std::string::npos;
      if (!up) SleepMs(10);
    }
    if (!up) return {0, "junction daemon did not start: " + Tail(ReadFile(daemon_log))};
    std::vector<std::string> run = {ctx.self_exe, "run", AppConfig(s, "server", kServerAddress, socket), "--"};
    server_argv.insert(server_argv.begin(), run.begin(), run.end());
    run = {ctx.self_exe, "run", AppConfig(s, "client", kClientAddress, socket), "--"};
    client_argv.insert(client_argv.begin(), run.begin(), run.end());
    peer_ip = kServerAddress;
  }
  std::string server_out = s.Path("server.out"), server_err = s.Path("server.err");
  if (!SpawnChild(server_argv, &server, server_err, -1, server_out)) return {0, "cannot start the server"};
  int udp = 0, tcp = 0;
  if (!WaitForPorts(server_out, server, &udp, &tcp))
    return {0, "the server did not start: " + Tail(ReadFile(server_err))};
  std::string peer = peer_ip + " " + std::to_string(udp) + " " + std::to_string(tcp);
  setenv(kPeerEnv, peer.c_str(), 1);
  std::string client_out = s.Path("client.out"), client_err = s.Path("client.err");
  Child client;
  bool started = SpawnChild(client_argv, &client, client_err, -1, client_out);
  unsetenv(kPeerEnv);
  if (!started) return {0, "cannot start the client"};
  int status = 0;
  for (int64_t deadline = NowNs() + kClientTimeoutS * 1'000'000'000; client.pid > 0;) {
    pid_t done = waitpid(client.pid, &status, WNOHANG);
    if (done == client.pid) {
      client.pid = -1;
    } else if (NowNs() > deadline) {
      return {0, "the client did not finish in " + std::to_string(kClientTimeoutS) + " s (stalled?): " +
                     Tail(ReadFile(client_out))};
    } else {
      SleepMs(5);
    }
  }
  server.Stop(SIGKILL);
  daemon.Stop(SIGTERM);
  std::string out = ReadFile(client_out);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {0, "the client failed: " + Tail(ReadFile(client_err))};
  double v = 0;
  if (!ParseWorkerOutput(out, &v)) return {0, "the client printed no result: " + Tail(out)};
  return {v, ""};
}

Measurement Udp1Adaptive(const Context& ctx) { return Measure(ctx, "udp_1b", "adaptive"); }
Measurement Udp1kAdaptive(const Context& ctx) { return Measure(ctx, "udp_1k", "adaptive"); }
Measurement Tcp1Adaptive(const Context& ctx) { return Measure(ctx, "tcp_1b", "adaptive"); }
Measurement Tcp1kAdaptive(const Context& ctx) { return Measure(ctx, "tcp_1k", "adaptive"); }
Measurement StreamAdaptive(const Context& ctx) { return Measure(ctx, "stream", "adaptive"); }
Measurement Udp1Busy(const Context& ctx) { return Measure(ctx, "udp_1b", "busy"); }
Measurement Udp1kBusy(const Context& ctx) { return Measure(ctx, "udp_1k", "busy"); }
Measurement Tcp1Busy(const Context& ctx) { return Measure(ctx, "tcp_1b", "busy"); }
Measurement Tcp1kBusy(const Context& ctx) { return Measure(ctx, "tcp_1k", "busy"); }
Measurement StreamBusy(const Context& ctx) { return Measure(ctx, "stream", "busy"); }

constexpr const char* kRttNote =
    "median us per round trip; natively two processes over Linux loopback on one CPU; junction: "
    "two bypass containers sharing that CPU, switched by a daemon on the others";
constexpr const char* kStreamNote =
    "MiB/s over one TCP connection (iterations = MiB); natively Linux loopback on one CPU; "
    "junction: two bypass containers sharing that CPU, switched by a daemon on the others";

constexpr Benchmark kNet[] = {
    {"net", "udp_rtt_1b_adaptive", "us/rtt", Where::kHost, 2000, Udp1Adaptive, kRttNote},
    {"net", "udp_rtt_1k_adaptive", "us/rtt", Where::kHost, 2000, Udp1kAdaptive, kRttNote},
    {"net", "tcp_rtt_1b_adaptive", "us/rtt", Where::kHost, 2000, Tcp1Adaptive, kRttNote},
    {"net", "tcp_rtt_1k_adaptive", "us/rtt", Where::kHost, 2000, Tcp1kAdaptive, kRttNote},
    {"net", "tcp_stream_adaptive", "MiB/s", Where::kHost, 32, StreamAdaptive, kStreamNote},
    {"net", "udp_rtt_1b_busy", "us/rtt", Where::kHost, 2000, Udp1Busy, kRttNote},
    {"net", "udp_rtt_1k_busy", "us/rtt", Where::kHost, 2000, Udp1kBusy, kRttNote},
    {"net", "tcp_rtt_1b_busy", "us/rtt", Where::kHost, 2000, Tcp1Busy, kRttNote},
    {"net", "tcp_rtt_1k_busy", "us/rtt", Where::kHost, 2000, Tcp1kBusy, kRttNote},
    {"net", "tcp_stream_busy", "MiB/s", Where::kHost, 32, StreamBusy, kStreamNote},
    // Guests of the benchmarks above (hidden: run as workers only).
    {"net", "server", "s/run", Where::kWorker, 1, ServerGuest, "guest: UDP and TCP echo server", true},
    {"net", "udp_1b", "us/rtt", Where::kWorker, 2000, Udp1Guest, "guest: UDP round trips, 1 B", true},
    {"net", "udp_1k", "us/rtt", Where::kWorker, 2000, Udp1kGuest, "guest: UDP round trips, 1 KiB", true},
    {"net", "tcp_1b", "us/rtt", Where::kWorker, 2000, Tcp1Guest, "guest: TCP round trips, 1 B", true},
    {"net", "tcp_1k", "us/rtt", Where::kWorker, 2000, Tcp1kGuest, "guest: TCP round trips, 1 KiB", true},
    {"net", "stream", "MiB/s", Where::kWorker, 32, StreamGuest, "guest: TCP stream", true},
};

}  // namespace

std::span<const Benchmark> NetSuite() { return kNet; }

}  // namespace junction::bench
