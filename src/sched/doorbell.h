// Cross-process wake-ups (docs/architecture.md, "Futexes shared between
// processes"). A uthread of one container process cannot be put on another
// process's run queue, so each process has a doorbell in memory all the
// container's processes map, and each shared wait slot (a futex in
// MAP_SHARED memory, a System V semaphore set or message queue) lists the
// processes that wait on it. A wake bumps the slot's counter and rings
// exactly those processes' doorbells; each looks through its own waiters
// and wakes those whose slot moved.
//
// Ringing a process (RingSlotWaiters): mark its doorbell pending; if one of
// its kthreads spins idle, it sees the mark; if one sleeps on the
// doorbell's futex word (IdleWait waits there and on its own park word at
// once, futex_waitv), a FUTEX_WAKE wakes it; otherwise (all its kthreads
// run, or wait in the reactor or for a daemon grant) a host signal does
// (the preemption signal, queued with a marker: SetDoorbellSignal).
//
// Everything here is read by other processes, which may have died
// mid-update or been scribbled over: a value is checked before it is used
// as an index, and a stale record costs a spurious ring at most.
#pragma once

#include <atomic>
#include <cstdint>

namespace junction::sched {

inline constexpr int kMaxDoorbells = 1024;  // one per process table entry
inline constexpr int kWaitSlotCells = 6;

// A slot several processes wait on. `cells`: which processes wait, each
// {index + 1 (16 bits), count (16), host pid (32)}; a process that finds
// them full counts itself in `overflow` (wakers then ring every process
// that waits on any slot). Zero-initialised memory is an empty slot.
struct alignas(64) SharedWaitSlot {
  std::atomic<uint32_t> wakes{0};    // bumped by every wake while someone waits
  std::atomic<uint32_t> waiters{0};  // waiters in all processes (FutexWakeShared's count)
  std::atomic<uint32_t> overflow{0};
  uint32_t reserved = 0;
  std::atomic<uint64_t> cells[kWaitSlotCells];
};
static_assert(sizeof(SharedWaitSlot) == 64);

struct alignas(64) ProcessDoorbell {
  std::atomic<uint32_t> word{0};      // host futex word: bumped to wake a sleeper
  std::atomic<uint32_t> pending{0};   // rung, not yet looked at by the owner
  std::atomic<uint32_t> sleepers{0};  // kthreads waiting on `word`
  std::atomic<uint32_t> spinners{0};  // kthreads spinning idle (they read `pending`)
  std::atomic<int32_t> owner{0};      // host pid of the process using it; 0: none
  std::atomic<uint32_t> waiting{0};   // its uthreads in cross-process waits
};

struct DoorbellTable {
  // Bit i: process i has uthreads in cross-process waits (overflow rings).
  std::atomic<uint64_t> waiting_mask[kMaxDoorbells / 64];
  ProcessDoorbell bells[kMaxDoorbells];
};

// This process uses bells[index] of `table` as host process `host_pid`
// (container start; a fork child, for its own entry). Forgets the
// previous owner's state.
void AttachDoorbell(DoorbellTable* table, int index, int host_pid);
// The process is exiting: no more rings for it.
void DetachDoorbell();
bool DoorbellAttached();
// Process `index`'s entry was freed (reaped, or found dead): its records
// are stale (wakers clear them).
void ForgetDoorbell(DoorbellTable* table, int index);

// How a process is rung when no kthread of it spins or sleeps on its
// doorbell: `send(index, host_pid)` sends process `index` (if it still is
// host process `host_pid`) the marked host signal, whose handler calls
// NoteSignalArrived. False if it did not.
void SetDoorbellSignal(bool (*send)(int index, int host_pid));

// ---- Waiters (with the process's shared-waiter lock held: futex.cc) ----

// Records that a uthread of this process waits on `slot` / no longer does.
// Returns false if `slot` could not list it (overflow is counted instead);
// pass the same value to Unregister.
bool RegisterSlotWaiter_locked(SharedWaitSlot* slot);
void UnregisterSlotWaiter_locked(SharedWaitSlot* slot, bool listed);
// Waiters of this process on `slot` (its cell's count).
int OwnSlotWaiters(const SharedWaitSlot* slot);

// ---- Wakers ----

// After bumping slot->wakes: rings every other process listed in `slot`
// (all waiting processes if it overflowed). No lock held. Clears the
// records of processes that died waiting and takes their waiters off
// slot->waiters; returns how many it took off.
int RingSlotWaiters(SharedWaitSlot* slot);

// ---- The owner's side (scheduler) ----

// This process was rung: async-signal-safe (one load).
bool DoorbellPending();
// If rung: clears the mark and wakes this process's waiters whose slot
// moved (FutexWakeRungSharedWaiters). Scheduler context, no lock held.
void HandleDoorbell();
// A kthread in its scheduler loop (between uthreads, spinning idle: not
// blocked on the host) looks at the doorbell before it runs a uthread or
// sleeps, so a ring needs no wake-up for it: it is counted in `spinners`
// from EnterLoop to LeaveLoop, which then looks. `token`: the kthread's
// (the doorbell it counted itself on, or null; one from before a fork is
// ignored).
void EnterLoop(ProcessDoorbell** token);
void LeaveLoop(ProcessDoorbell** token);
// A kthread's host wait (idle: its park word; under the daemon: its grant
// word): on *word (while it equals `seen`; `private_word`: a futex of this
// process only) and on the doorbell at once, until `deadline_ns`
// (CLOCK_MONOTONIC, 0: none); it leaves the loop's count (`token`) for the
// sleepers'. *result: futex_waitv's. False if it could not (no doorbell,
// or no futex_waitv on the host): the caller leaves the loop and waits on
// its word alone.
bool WaitWithDoorbell(std::atomic<uint32_t>* word, uint32_t seen, bool private_word, uint64_t deadline_ns,
                      ProcessDoorbell** token, long* result);

// Fork child: no waiter of the parent's is here.
void ResetDoorbellAfterFork();

}  // namespace junction::sched
