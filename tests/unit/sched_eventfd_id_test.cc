// EventfdId (sched/member_join.h): a forked process tells the doorbell of
// the daemon it joined before from a new daemon's by it. Each SCHED_JOIN
// reply carries a descriptor of its own (SCM_RIGHTS): one of the same
// eventfd has the same id, another eventfd's differs, a descriptor that is
// not an eventfd has none.
#include <doctest/doctest.h>

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "sched/member_join.h"

using junction::sched::EventfdId;

namespace {

// `fd` sent over a unix socket pair and received: a new descriptor of
// the same file, as a daemon's reply gives one.
int PassedCopy(int fd) {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  char byte = 'x';
  iovec v{&byte, 1};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof(ctl);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  REQUIRE(sendmsg(sv[0], &m, 0) == 1);
  std::memset(ctl, 0, sizeof(ctl));
  REQUIRE(recvmsg(sv[1], &m, 0) == 1);
  int got = -1;
  std::memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
  close(sv[0]);
  close(sv[1]);
  return got;
}

}  // namespace

TEST_CASE("eventfd id: another descriptor of one doorbell matches, another daemon's does not") {
  int first = eventfd(0, EFD_CLOEXEC);
  int second = eventfd(0, EFD_CLOEXEC);
  REQUIRE(first >= 0);
  REQUIRE(second >= 0);
  int copy = PassedCopy(first);
  REQUIRE(copy >= 0);
  CHECK(copy != first);
  long id = EventfdId(first);
  CHECK(id >= 0);
  CHECK(EventfdId(copy) == id);
  CHECK(EventfdId(second) != id);
  CHECK(EventfdId(second) >= 0);
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  CHECK(EventfdId(pipe_fds[0]) == -1);  // not an eventfd
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  CHECK(EventfdId(pipe_fds[0]) == -1);  // closed
  close(copy);
  close(first);
  close(second);
}
