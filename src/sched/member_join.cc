#include "sched/member_join.h"

#include <sys/syscall.h>

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

}  // namespace junction::sched
