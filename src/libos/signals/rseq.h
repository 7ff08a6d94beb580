// Restartable sequences (rseq(2)) for uthreads. A registered thread's
// struct rseq gets the core (kthread) it runs on in cpu_id_start/cpu_id
// whenever it resumes on another one (sched's switch code); glibc's
// sched_getcpu reads it there. A critical section (rseq_cs) interrupted by
// a preemption or a signal is aborted as Linux does: the thread resumes at
// its abort_ip (after the signature check) and rseq_cs is cleared.
//
// The area must stay writable for the switch code to store into it without
// a check: unmapping, write-protecting or mapping over it ends the
// registration first (Linux would kill the thread at its next return).
#pragma once

#include <cstddef>
#include <cstdint>

#include "libos/signals/guest_context.h"

namespace junction::sched {
struct Uthread;
}

namespace junction::libos {

// rseq(2) for the calling thread. Returns 0 or -errno.
long RseqRegister(uintptr_t area, uint32_t len, int flags, uint32_t sig);

// Before resuming `ctx` after a preemption or to run a signal handler:
// moves it to the abort handler if it was inside a critical section.
// False if the rseq_cs descriptor is bad (the thread then gets SIGSEGV).
// LibOS context only (it checks guest memory).
bool RseqFixup(sched::Uthread* u, GuestContext& ctx);

// True if a critical section is registered right now (rseq_cs set): a
// host signal handler then leaves delivery to a context that can fix it
// up. Async-signal-safe.
bool RseqInCriticalSection(const sched::Uthread* u);

// [start, start+len) stops being writable guest memory (munmap, mprotect,
// mremap, MAP_FIXED): registrations inside it end.
void RseqForgetRange(uintptr_t start, size_t len);

// execve: the calling thread's registration ends.
void RseqResetForExec();

}  // namespace junction::libos
