// Interval timers of the guest process: POSIX timers (timer_create ...)
// and the three setitimer timers, on the wall clocks and the CPU-time
// clocks. None owns a host timer: wall-clock expiries are entries in the
// scheduler's timer heap (sched::AddTimer); CPU-clock timers are checked
// from the same heap at the earliest wall time their CPU budget could run
// out, and again until it has.
//
// Linux semantics (kernel/time/posix-timers.c, itimer.c): a periodic POSIX
// timer is re-armed when its signal is taken, counting the intervals that
// passed meanwhile as overruns (si_overrun, timer_getoverrun); re-setting or
// deleting a timer drops its pending signal; itimers re-arm at expiry and
// send SI_KERNEL signals. Timers are not inherited across fork and POSIX
// timers end at execve.
//
// Lock order: a timer's lock, then sched::AllUthreadsLock(), then the
// scheduler's timer lock.
#pragma once

#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <cstdint>

namespace junction::libos {

// The kernel's struct sigevent (64 bytes).
struct KernelSigevent {
  sigval value;
  int32_t signo;
  int32_t notify;
  int32_t tid;  // SIGEV_THREAD_ID
  int32_t pad[11];
};
static_assert(sizeof(KernelSigevent) == 64);

// Each returns 0 (or a value) or -errno. `ev` null: SIGEV_SIGNAL with
// SIGALRM and the timer id as value.
long PosixTimerCreate(clockid_t clock, const KernelSigevent* ev, int* id);
long PosixTimerSet(int id, int flags, const itimerspec& value, itimerspec* old);
long PosixTimerGet(int id, itimerspec* cur);
long PosixTimerOverrun(int id);
long PosixTimerDelete(int id);

// setitimer/getitimer (which = ITIMER_REAL, _VIRTUAL, _PROF).
long ItimerSet(int which, const itimerval& value, itimerval* old);
long ItimerGet(int which, itimerval* cur);

// A timer's signal is being taken: sets si_overrun, re-arms a periodic
// timer. False if the signal is stale and must be dropped.
bool PosixTimerSignalTaken(siginfo_t& info);

// Fork child: no timers. execve: POSIX timers are deleted (itimers stay).
void ResetTimersAfterFork();
void DeletePosixTimersForExec();

// A CPU-time clock id (CLOCK_*_CPUTIME_ID or a clock_getcpuclockid /
// pthread_getcpuclockid value) read for this process. False: not a CPU
// clock of this process or its threads (-EINVAL for the caller).
bool ReadCpuClock(clockid_t clock, uint64_t* ns);

}  // namespace junction::libos
