// System V IPC system calls: shared memory, semaphores, message queues. The objects
// and their container-wide registry are in ipc/sysv/ (docs/ipc.md,
// "System V IPC").
#include "libos/ipc/sysv/sysv_msg.h"
#include "libos/ipc/sysv/sysv_sem.h"
#include "libos/ipc/sysv/sysv_shm.h"
#include "libos/syscalls/handlers.h"

namespace junction::libos {

JUNCTION_HANDLER(shmget) {
  return sysv::ShmGet(static_cast<int32_t>(a.a[0]), static_cast<size_t>(a.a[1]), static_cast<int>(a.a[2]));
}
JUNCTION_HANDLER(shmat) {
  return sysv::ShmAt(static_cast<int>(a.a[0]), static_cast<uintptr_t>(a.a[1]), static_cast<int>(a.a[2]));
}
JUNCTION_HANDLER(shmdt) { return sysv::ShmDt(static_cast<uintptr_t>(a.a[0])); }
JUNCTION_HANDLER(shmctl) {
  return sysv::ShmCtl(static_cast<int>(a.a[0]), static_cast<int>(a.a[1]), static_cast<uintptr_t>(a.a[2]));
}

JUNCTION_HANDLER(semget) {
  return sysv::SemGet(static_cast<int32_t>(a.a[0]), static_cast<int>(a.a[1]), static_cast<int>(a.a[2]));
}
JUNCTION_HANDLER(semop) {
  return sysv::SemTimedOp(static_cast<int>(a.a[0]), static_cast<uintptr_t>(a.a[1]),
                          static_cast<size_t>(a.a[2]), 0);
}
JUNCTION_HANDLER(semtimedop) {
  return sysv::SemTimedOp(static_cast<int>(a.a[0]), static_cast<uintptr_t>(a.a[1]),
                          static_cast<size_t>(a.a[2]), static_cast<uintptr_t>(a.a[3]));
}
JUNCTION_HANDLER(semctl) {
  return sysv::SemCtl(static_cast<int>(a.a[0]), static_cast<int>(a.a[1]), static_cast<int>(a.a[2]),
                      static_cast<unsigned long>(a.a[3]));
}

JUNCTION_HANDLER(msgget) { return sysv::MsgGet(static_cast<int32_t>(a.a[0]), static_cast<int>(a.a[1])); }
JUNCTION_HANDLER(msgsnd) {
  return sysv::MsgSnd(static_cast<int>(a.a[0]), static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]),
                      static_cast<int>(a.a[3]));
}
JUNCTION_HANDLER(msgrcv) {
  return sysv::MsgRcv(static_cast<int>(a.a[0]), static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]),
                      a.a[3], static_cast<int>(a.a[4]));
}
JUNCTION_HANDLER(msgctl) {
  return sysv::MsgCtl(static_cast<int>(a.a[0]), static_cast<int>(a.a[1]), static_cast<uintptr_t>(a.a[2]));
}

}  // namespace junction::libos
