// System V message queues (msgget, msgsnd, msgrcv, msgctl) with Linux's
// semantics across the container's processes (docs/ipc.md "System V
// IPC"). Messages live in a pool of blocks in the shared registry
// (sysv_registry.h); a blocked sender or receiver parks its uthread on the
// queue's change word through the cross-process futexes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace junction::libos::sysv {

long MsgGet(int32_t key, int flags);
long MsgSnd(int msqid, uintptr_t msgp, size_t msgsz, int flags);
long MsgRcv(int msqid, uintptr_t msgp, size_t msgsz, long msgtyp, int flags);
long MsgCtl(int msqid, int cmd, uintptr_t buf);
void MsgProcText(std::string* out);

// After a takeover from a dead lock holder (sysv_registry.h): the counts and
// the free blocks again.
void MsgRepair_locked();

}  // namespace junction::libos::sysv
