// Pending-signal queues (libos/signals/signal_queue.h): standard signals
// coalesce, real-time ones queue FIFO per owner, the limit and lost siginfo.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <cstring>

#include "libos/signals/signal_queue.h"

namespace junction {
namespace {

siginfo_t Info(int sig, int value, int code = SI_QUEUE) {
  siginfo_t i;
  std::memset(&i, 0, sizeof(i));
  i.si_signo = sig;
  i.si_code = code;
  i.si_value.sival_int = value;
  return i;
}

struct Owner {
  uint64_t mask = 0;
  siginfo_t std_info[65] = {};
  bool Take(int sig, siginfo_t* out) { return libos::DequeueSignal(this, &mask, std_info, sig, out); }
  bool Put(const siginfo_t& i) { return libos::EnqueueSignal(this, &mask, std_info, i); }
};

uint64_t Bit(int sig) { return uint64_t{1} << (sig - 1); }

TEST_CASE("signal queue: a standard signal keeps one instance, the first siginfo") {
  Owner o;
  CHECK(o.Put(Info(SIGUSR1, 1)));
  CHECK(o.Put(Info(SIGUSR1, 2)));
  siginfo_t got;
  REQUIRE(o.Take(SIGUSR1, &got));
  CHECK(got.si_value.sival_int == 1);
  CHECK_FALSE(o.Take(SIGUSR1, &got));
  CHECK(o.mask == 0);
}

TEST_CASE("signal queue: real-time instances come out FIFO, per owner") {
  Owner a, b;
  for (int v = 1; v <= 4; v++) CHECK(a.Put(Info(40, v)));
  CHECK(b.Put(Info(40, 100)));
  CHECK(libos::QueuedRtSignals() == 5);
  siginfo_t got;
  siginfo_t peeked;
  REQUIRE(libos::PeekSignal(&a, &a.mask, a.std_info, 40, &peeked));
  CHECK(peeked.si_value.sival_int == 1);
  for (int v = 1; v <= 4; v++) {
    CHECK((a.mask & Bit(40)) != 0);
    REQUIRE(a.Take(40, &got));
    CHECK(got.si_value.sival_int == v);
  }
  CHECK((a.mask & Bit(40)) == 0);
  CHECK_FALSE(a.Take(40, &got));
  REQUIRE(b.Take(40, &got));
  CHECK(got.si_value.sival_int == 100);
  CHECK(libos::QueuedRtSignals() == 0);
}

TEST_CASE("signal queue: discarding and a thread's end release its instances") {
  Owner a;
  CHECK(a.Put(Info(35, 1)));
  CHECK(a.Put(Info(36, 2)));
  libos::DiscardSignals(&a, &a.mask, Bit(35));
  CHECK(a.mask == Bit(36));
  libos::DiscardThreadSignals(&a);
  CHECK(libos::QueuedRtSignals() == 0);
}

TEST_CASE("signal queue: over RLIMIT_SIGPENDING sigqueue fails, kill loses its siginfo") {
  struct rlimit old;
  REQUIRE(getrlimit(RLIMIT_SIGPENDING, &old) == 0);
  struct rlimit low = {2, old.rlim_max};
  REQUIRE(setrlimit(RLIMIT_SIGPENDING, &low) == 0);
  libos::ForgetSignalQueueLimit();
  Owner a;
  CHECK(a.Put(Info(40, 1)));
  CHECK(a.Put(Info(40, 2)));
  CHECK_FALSE(a.Put(Info(40, 3)));           // SI_QUEUE: EAGAIN
  CHECK_FALSE(a.Put(Info(41, 3, SI_TKILL)));  // tgkill too
  CHECK(a.Put(Info(41, 4, SI_USER)));         // kill: pending, siginfo lost
  CHECK(a.mask == (Bit(40) | Bit(41)));
  siginfo_t got;
  REQUIRE(a.Take(41, &got));
  CHECK(got.si_code == SI_USER);
  CHECK(got.si_value.sival_int == 0);
  CHECK(a.mask == Bit(40));
  libos::DiscardThreadSignals(&a);
  REQUIRE(setrlimit(RLIMIT_SIGPENDING, &old) == 0);
  libos::ForgetSignalQueueLimit();
  CHECK(libos::SignalQueueLimit() == static_cast<int>(old.rlim_cur > 0x7fffffff ? 0x7fffffff : old.rlim_cur));
}

}  // namespace
}  // namespace junction
