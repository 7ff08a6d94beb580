// Pending-signal queues, as Linux keeps them: a standard signal (< 32) has
// one pending instance (further ones coalesce, the first siginfo is kept);
// a real-time signal queues every instance with its own siginfo, taken
// lowest number first and FIFO within a number, up to RLIMIT_SIGPENDING.
//
// An owner is the process (nullptr) or a thread (a sched::Uthread*); its
// `mask` says which signals have at least one instance. Real-time
// instances live in one fixed pool shared by all owners, claimed and
// released with atomics only: queueing and taking happen from host signal
// handlers too, where no lock may be taken and nothing allocated.
#pragma once

#include <signal.h>

#include <atomic>
#include <cstdint>

namespace junction::libos {

inline constexpr int kFirstRtSignal = 32;

// Records `info` for `owner`. False if a real-time signal found the queue
// full and must fail (EAGAIN): Linux drops only kill()'s (SI_USER)
// instance's siginfo and still marks the signal pending.
bool EnqueueSignal(const void* owner, uint64_t* mask, siginfo_t* std_info, const siginfo_t& info);

// The siginfo the next take of `sig` would return, without taking it.
// False if `sig` is not pending for the owner.
bool PeekSignal(const void* owner, const uint64_t* mask, const siginfo_t* std_info, int sig,
                siginfo_t* out);

// Takes one instance of `sig`; the mask bit stays set while more remain.
// False if none was pending (another thread took it first).
bool DequeueSignal(const void* owner, uint64_t* mask, const siginfo_t* std_info, int sig,
                   siginfo_t* out);

// Drops every pending instance of the signals in `sigs` for `owner`.
void DiscardSignals(const void* owner, uint64_t* mask, uint64_t sigs);

// A thread is gone: its queued real-time instances are released.
void DiscardThreadSignals(const void* thread);

// fork child: no signal is pending for anyone.
void ResetSignalQueues();

// RLIMIT_SIGPENDING counts per user; all the processes of a container are
// one user, so the count is container-wide: `total` in memory they all
// map, `mine` this process's share of it (given back at exit, or by whoever
// frees its entry if it died without). Queueing fails once `total` reaches
// the limit. Unset (nullptr, before the container exists): this process's
// pool only. The pool holds 4096 instances per process in any case.
void SetSignalQueueAccount(std::atomic<int32_t>* total, std::atomic<int32_t>* mine);

// Queued real-time instances (the container's, else this process's) and
// the limit, for SigQ.
int QueuedRtSignals();
int SignalQueueLimit();
// The guest set RLIMIT_SIGPENDING (it is the host's): read it again.
void ForgetSignalQueueLimit();
// A counter (container-wide) another process bumps after setting some
// process's RLIMIT_SIGPENDING: each process reads its limit again when it
// moved.
void SetSignalQueueLimitChanges(std::atomic<uint32_t>* changes);

}  // namespace junction::libos
