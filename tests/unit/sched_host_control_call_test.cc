// One request and its reply on the daemon's control socket through the
// host-call stubs (sched/host_control_call.h), as a forked child makes them
// for SCHED_JOIN and NET_JOIN, against a scripted daemon on a unix socket
// in a temporary directory: the reply and its descriptors, each failure
// with its words, and no descriptor left open after one.
#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "sched/control_message.h"
#include "sched/host_control_call.h"
#include "sched/member_join.h"

using namespace junction::sched;

namespace {

int OpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

void SendWithFds(int conn, const std::vector<uint8_t>& bytes, const std::vector<int>& fds) {
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(8 * sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (!fds.empty()) {
    m.msg_control = cbuf;
    m.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  }
  REQUIRE(sendmsg(conn, &m, MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
}

std::vector<uint8_t> Frame(const std::vector<uint8_t>& payload) {
  uint32_t len = static_cast<uint32_t>(payload.size());
  std::vector<uint8_t> f(4 + payload.size());
  std::memcpy(f.data(), &len, 4);
  if (!payload.empty()) std::memcpy(f.data() + 4, payload.data(), payload.size());
  return f;
}

// A daemon that takes one connection, reads one request frame (and the
// descriptor with it), then does what the test says with the connection.
class FakeDaemon {
 public:
  explicit FakeDaemon(std::function<void(int conn)> answer) : answer_(std::move(answer)) {
    char tmpl[] = "/tmp/junction-hcc-test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/control.sock";
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    REQUIRE(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(listen_fd_, 1) == 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDaemon() {
    Finish();
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  // Waits for the daemon's side to end (its descriptors closed).
  void Finish() {
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
  }
  const std::string& path() const { return path_; }
  std::vector<uint8_t> request;  // the frame received
  struct stat passed{};          // what the descriptor sent with it is
  bool got_fd = false;

 private:
  void Serve() {
    int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;
    uint8_t buf[4096];
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{buf, sizeof buf};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
    if (n > 0) request.assign(buf, buf + n);
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_type != SCM_RIGHTS) continue;
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      got_fd = fstat(fd, &passed) == 0;
      close(fd);
    }
    answer_(conn);
    close(conn);
  }

  std::function<void(int)> answer_;
  std::string dir_, path_;
  int listen_fd_ = -1;
  std::thread thread_;
};

const std::vector<uint8_t> kRequest = Frame({1, 2, 3});

HostControlRequest Request(int pass_fd = -1) {
  HostControlRequest r;
  r.frame = kRequest;
  r.pass_fd = pass_fd;
  r.cannot_send = "cannot send TEST";
  r.no_answer = "the daemon did not answer TEST";
  return r;
}

}  // namespace

TEST_CASE("host control call: the request and its descriptor out, the reply and two descriptors back") {
  int pipe_fds[2];
  REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
  struct stat pipe_st{};
  fstat(pipe_fds[0], &pipe_st);
  int before = OpenFds();
  {
    FakeDaemon d([&](int conn) {
      // The frame in two pieces, three descriptors with the first (one too
      // many: it is closed).
      std::vector<uint8_t> reply = Frame({9, 8, 7, 6, 5});
      SendWithFds(conn, {reply.begin(), reply.begin() + 6},
                  {pipe_fds[0], pipe_fds[1], pipe_fds[0]});
      SendWithFds(conn, {reply.begin() + 6, reply.end()}, {});
    });
    std::vector<uint8_t> payload;
    int fds[2] = {7777, 7777};
    const char* why = nullptr;
    int sock = HostControlCall(d.path(), Request(pipe_fds[1]), &payload, fds, &why);
    d.Finish();
    REQUIRE_MESSAGE(sock >= 0, why);
    CHECK(payload == std::vector<uint8_t>{9, 8, 7, 6, 5});
    CHECK(d.request == kRequest);
    CHECK(d.got_fd);
    CHECK(d.passed.st_ino == pipe_st.st_ino);
    struct stat st{};
    REQUIRE(fstat(fds[0], &st) == 0);
    CHECK(st.st_ino == pipe_st.st_ino);
    REQUIRE(fstat(fds[1], &st) == 0);
    CHECK(st.st_ino == pipe_st.st_ino);
    // The socket and two descriptors, not the third.
    CHECK(OpenFds() == before + 3);
    close(sock);
    close(fds[0]);
    close(fds[1]);
  }
  CHECK(OpenFds() == before);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST_CASE("host control call: failures say what failed and leave nothing open") {
  int before = OpenFds();
  std::vector<uint8_t> payload;
  int fds[2];
  const char* why = nullptr;
  SUBCASE("no daemon listening") {
    CHECK(HostControlCall("/tmp/junction-hcc-test-nobody/control.sock", Request(), &payload, fds,
                          &why) < 0);
    CHECK(std::string(why) == "cannot connect to the daemon");
  }
  SUBCASE("a socket path too long") {
    CHECK(HostControlCall(std::string(200, 'x'), Request(), &payload, fds, &why) < 0);
    CHECK(std::string(why) == "the daemon's socket path is too long");
  }
  SUBCASE("the daemon hangs up after sending descriptors and part of a reply") {
    FakeDaemon d([](int conn) {
      int p[2];
      REQUIRE(pipe(p) == 0);
      SendWithFds(conn, {5, 0, 0, 0, 1}, {p[0], p[1]});
      close(p[0]);
      close(p[1]);
    });
    CHECK(HostControlCall(d.path(), Request(), &payload, fds, &why) < 0);
    CHECK(std::string(why) == "the daemon closed the connection");
  }
  SUBCASE("a reply longer than any frame") {
    FakeDaemon d([](int conn) {
      uint32_t len = kMaxFrameBytes + 1;
      std::vector<uint8_t> b(4);
      std::memcpy(b.data(), &len, 4);
      SendWithFds(conn, b, {});
    });
    CHECK(HostControlCall(d.path(), Request(), &payload, fds, &why) < 0);
    CHECK(std::string(why) == "a malformed reply");
  }
  SUBCASE("no answer") {
    int gate[2];
    REQUIRE(pipe(gate) == 0);
    FakeDaemon d([&](int) {
      char c;
      (void)!read(gate[0], &c, 1);  // holds the connection until the call gave up
    });
    CHECK(HostControlCall(d.path(), Request(), &payload, fds, &why) < 0);
    CHECK(std::string(why) == "the daemon did not answer TEST");
    close(gate[1]);
    d.Finish();
    close(gate[0]);
  }
  CHECK(fds[0] == -1);
  CHECK(fds[1] == -1);
  CHECK(OpenFds() == before);
}

TEST_CASE("SCHED_JOIN: the slot and doorbell, or why not") {
  int before = OpenFds();
  uint32_t slot = 0, token = 0;
  int doorbell = -1;
  const char* why = nullptr;
  bool refused = true;
  SUBCASE("granted") {
    FakeDaemon d([](int conn) {
      int p[2];
      REQUIRE(pipe(p) == 0);
      SendWithFds(conn, EncodeSchedJoinReply({.error = 0, .message = "", .slot = 9, .token = 77}), {p[1]});
      close(p[0]);
      close(p[1]);
    });
    int sock = SchedJoin(d.path(), 4, &slot, &token, &doorbell, &why, &refused);
    d.Finish();
    REQUIRE_MESSAGE(sock >= 0, why);
    CHECK(!refused);
    CHECK(slot == 9);
    CHECK(token == 77);
    CHECK(doorbell >= 0);
    SchedJoinRequest req;
    REQUIRE(d.request.size() > 4);
    REQUIRE(DecodeSchedJoinRequest(std::span<const uint8_t>(d.request).subspan(4), &req));
    CHECK(req.container_id == 4);
    CHECK(OpenFds() == before + 2);
    close(sock);
    close(doorbell);
  }
  SUBCASE("refused") {
    FakeDaemon d([](int conn) {
      int p[2];
      REQUIRE(pipe(p) == 0);
      SendWithFds(conn, EncodeSchedJoinReply({.error = 28, .message = "no slot", .slot = 0, .token = 0}),
                  {p[1]});
      close(p[0]);
      close(p[1]);
    });
    CHECK(SchedJoin(d.path(), 4, &slot, &token, &doorbell, &why, &refused) < 0);
    CHECK(std::string(why) == "the daemon refused SCHED_JOIN");
    CHECK(refused);
  }
  SUBCASE("no doorbell") {
    FakeDaemon d([](int conn) {
      SendWithFds(conn, EncodeSchedJoinReply({.error = 0, .message = "", .slot = 9, .token = 77}), {});
    });
    CHECK(SchedJoin(d.path(), 4, &slot, &token, &doorbell, &why, &refused) < 0);
    CHECK(std::string(why) == "no doorbell in the reply");
    CHECK(!refused);
  }
  SUBCASE("another message") {
    FakeDaemon d([](int conn) { SendWithFds(conn, EncodeSchedJoinRequest({.container_id = 1}), {}); });
    CHECK(SchedJoin(d.path(), 4, &slot, &token, &doorbell, &why, &refused) < 0);
    CHECK(std::string(why) == "a malformed reply");
  }
  SUBCASE("no daemon") {
    CHECK(SchedJoin("/tmp/junction-hcc-test-nobody/control.sock", 4, &slot, &token, &doorbell, &why, &refused) < 0);
    CHECK(std::string(why) == "cannot connect to the daemon");
    CHECK(!refused);
  }
  CHECK(OpenFds() == before);
}
