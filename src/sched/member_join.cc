#include "sched/member_join.h"

#include <fcntl.h>
#include <sys/syscall.h>

#include <cstdio>
#include <cstring>

#include <span>
#include <vector>

#include "libos/host/host.h"
#include "sched/control_message.h"
#include "sched/host_control_call.h"

namespace junction::sched {

int SchedJoin(const std::string& socket_path, uint64_t container_id, uint32_t* slot,
              uint32_t* token, int* doorbell, const char** why, bool* refused) {
  *refused = false;
  SchedJoinRequest req;
  req.container_id = container_id;
  std::vector<uint8_t> frame = EncodeSchedJoinRequest(req);
  HostControlRequest call;
  call.frame = frame;
  call.cannot_send = "cannot send SCHED_JOIN";
  call.no_answer = "the daemon did not answer SCHED_JOIN";
  // The reply carries the doorbell.
  std::vector<uint8_t> payload;
  int sock = HostControlCall(socket_path, call, &payload, std::span<int>(doorbell, 1), why);
  if (sock < 0) return -1;
  auto fail = [&](const char* w) {
    *why = w;
    if (*doorbell >= 0) host::Syscall(SYS_close, *doorbell);
    *doorbell = -1;
    host::Syscall(SYS_close, sock);
    return -1;
  };
  SchedJoinReply reply;
  if (!DecodeSchedJoinReply(payload, &reply)) return fail("a malformed reply");
  if (reply.error != 0) {
    *refused = true;
    return fail("the daemon refused SCHED_JOIN");
  }
  if (*doorbell < 0) return fail("no doorbell in the reply");
  if (reply.token == 0) return fail("no slot token in the reply");
  *slot = reply.slot;
  *token = reply.token;
  return sock;
}

long EventfdId(int fd) {
  char path[40];
  std::snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
  long f = host::Syscall(SYS_openat, AT_FDCWD, host::L(path), O_RDONLY | O_CLOEXEC);
  if (f < 0) return -1;
  char text[512];
  long n = host::Syscall(SYS_read, f, host::L(text), sizeof(text) - 1);
  host::Syscall(SYS_close, f);
  if (n <= 0) return -1;
  text[n] = 0;
  static constexpr char kKey[] = "\neventfd-id:";
  const char* at = std::strstr(text, kKey);
  if (!at) return -1;
  at += sizeof(kKey) - 1;
  while (*at == ' ' || *at == '\t') at++;
  if (*at < '0' || *at > '9') return -1;
  long id = 0;
  for (; *at >= '0' && *at <= '9'; at++) id = id * 10 + (*at - '0');
  return id;
}

}  // namespace junction::sched
