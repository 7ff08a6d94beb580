// The arithmetic of Linux's interval timers, kept pure so it can be tested
// on its own: moving a periodic timer's expiry past `now` and counting the
// intervals that went by (hrtimer_forward), and what timer_gettime reports.
#pragma once

#include <time.h>

#include <climits>
#include <cstdint>

namespace junction::libos {

inline constexpr uint64_t kNsPerSec = 1000000000ull;

inline uint64_t TimespecToNs(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * kNsPerSec + static_cast<uint64_t>(t.tv_nsec);
}
inline timespec NsToTimespec(uint64_t ns) {
  return {static_cast<time_t>(ns / kNsPerSec), static_cast<long>(ns % kNsPerSec)};
}
// What timespec64_valid accepts.
inline bool TimespecValid(const timespec& t) {
  return t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < static_cast<long>(kNsPerSec);
}

// Advances *expiry by whole intervals until it is after `now`; returns how
// many (0 if it already was). interval must be nonzero.
inline uint64_t ForwardExpiry(uint64_t* expiry, uint64_t interval, uint64_t now) {
  if (now < *expiry) return 0;
  uint64_t n = (now - *expiry) / interval + 1;
  *expiry += n * interval;
  return n;
}

// The overrun count as user space sees it (si_overrun, timer_getoverrun).
inline int OverrunToInt(int64_t overrun) {
  if (overrun < 0) return 0;
  return overrun > INT_MAX ? INT_MAX : static_cast<int>(overrun);
}

// timer_gettime's it_value for a timer due at `expiry` (0 = disarmed):
// the time left; an expired timer whose signal is still to be handled
// reads 1 ns, an expired SIGEV_NONE timer 0.
inline uint64_t RemainingNs(uint64_t expiry, uint64_t now, bool sigev_none) {
  if (expiry == 0) return 0;
  if (expiry > now) return expiry - now;
  return sigev_none ? 0 : 1;
}

}  // namespace junction::libos
