// Noticing that CLOCK_REALTIME was set (settimeofday, clock_settime, a
// stepping NTP client on the host), for timerfds armed with
// TFD_TIMER_CANCEL_ON_SET: one host timerfd, armed at the end of time with
// the same flag, becomes readable (ECANCELED) at every clock set. The
// guest itself may not set the host's clock, so the LibOS's realtime is
// the host's and so are its clock sets.
#pragma once

#include <cstdint>

namespace junction::libos::ipc {

// Creates the host timerfd (before the seccomp filter: timerfd_create).
bool InitClockWatch();

// How many clock sets the LibOS has seen (bumped by the reactor at once;
// a timerfd compares it with the value when it was armed).
uint64_t ClockSetCount();

// A timerfd wants to hear of clock sets: the host timerfd is watched
// through the reactor from now on.
void WatchClockSets();

// From the scheduler's notice hook (outside any lock): after a clock set,
// drains the host timerfd, watches it again and wakes every realtime
// timerfd's waiters (their expiry moved with the clock).
void HandleClockSets();

}  // namespace junction::libos::ipc
