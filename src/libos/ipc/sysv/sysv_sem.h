// System V semaphore sets (semget, semop, semtimedop, semctl) with Linux's
// semantics across the container's processes (docs/ipc.md "System V
// IPC"). The values live in the shared registry (sysv_registry.h); a
// waiter parks its uthread on the set's change word through the
// cross-process futexes (sched::FutexWaitShared), never blocking a
// kthread. SEM_UNDO adjustments are kept in the registry by host pid and
// applied when the process ends.
#pragma once

#include <cstdint>
#include <string>

namespace junction::libos::sysv {

long SemGet(int32_t key, int nsems, int flags);
// `timeout`: a guest struct timespec (relative), 0 for none (semop).
long SemTimedOp(int semid, uintptr_t sops, size_t nsops, uintptr_t timeout);
long SemCtl(int semid, int semnum, int cmd, unsigned long arg);

void SemApplyUndo();  // the process ends: its SEM_UNDO adjustments
void SemProcText(std::string* out);

// After a takeover from a dead lock holder (sysv_registry.h): the counts again.
void SemRepair_locked();
// Host process `host_pid` exited without applying its SEM_UNDO adjustments
// (killed from outside): applied now (the waiters see the change).
void SemApplyUndoOfDead_locked(int host_pid);

}  // namespace junction::libos::sysv
