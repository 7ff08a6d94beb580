// System V IPC system calls: shared memory and semaphores. The objects
// and their container-wide registry are in ipc/sysv/ (docs/ipc.md,
// "System V IPC").
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

}  // namespace junction::libos
