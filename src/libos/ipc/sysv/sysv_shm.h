// System V shared memory segments (shmget, shmat, shmdt, shmctl) with
// Linux's semantics across the container's processes (docs/ipc.md "System
// V IPC"). A segment's pages are a host file in the container's private
// host directory (fs::SharedSysvDir, on the host's tmpfs), named by the
// segment's serial: any process attaches it by opening that path, the
// creator need not be alive, and the file is unlinked when the segment is
// destroyed (IPC_RMID once the last attachment is gone).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace junction::libos::sysv {

long ShmGet(int32_t key, size_t size, int flags);
long ShmAt(int shmid, uintptr_t addr, int flags);
long ShmDt(uintptr_t addr);
long ShmCtl(int shmid, int cmd, uintptr_t buf);

// The guest unmapped or mapped over memory (munmap, mremap, MAP_FIXED):
// attachments none of whose pages are left are detached, as Linux counts
// an attachment by its mappings. Cheap when the process has none.
void ShmNoteUnmapped();

// Process life (sysv_registry.h's hooks call them).
void ShmDetachAll();         // exit, exec: every attachment ends
bool ShmHasAttachments();
void ShmForkAttachments_locked(int delta);  // a fork's child holds the parent's attachments too
void ShmProcText(std::string* out);

// After a takeover from a dead lock holder (sysv_registry.h): the counts again.
void ShmRepair_locked();

}  // namespace junction::libos::sysv
