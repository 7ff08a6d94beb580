// The lock word the container's processes share (host/shared_pid_lock.h):
// a holder killed from outside and not yet reaped (a zombie) is seen as
// gone; a waiter sleeps (sets the sleepers bit) behind a stopped holder.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "libos/host/shared_pid_lock.h"

using namespace junction::host;

namespace {

std::atomic<int32_t>* SharedWord() {
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  REQUIRE(p != MAP_FAILED);
  return new (p) std::atomic<int32_t>(0);
}

// Forks a child that takes the word and then runs `then`; returns once it holds it.
template <typename F>
pid_t ForkHolder(std::atomic<int32_t>* word, F then) {
  pid_t c = fork();
  REQUIRE(c >= 0);
  if (c == 0) {
    LockPidWord(word, getpid());
    then();
    _exit(0);
  }
  while ((word->load() & ~kPidLockSleepers) != c) usleep(1000);
  return c;
}

}  // namespace

TEST_CASE("shared pid lock: a holder killed from outside, still a zombie, is taken over") {
  std::atomic<int32_t>* word = SharedWord();
  pid_t c = ForkHolder(word, [] {
    for (;;) pause();
  });
  REQUIRE(kill(c, SIGKILL) == 0);
  // The death is asynchronous; then a zombie, which kill(pid, 0) still finds.
  for (int i = 0; i < 5000 && !HostProcessExited(c); i++) usleep(1000);
  CHECK(HostProcessExited(c));
  CHECK(kill(c, 0) == 0);
  CHECK(LockPidWord(word, getpid()) == PidLockTaken::kFromDead);
  CHECK((word->load() & ~kPidLockSleepers) == getpid());
  UnlockPidWord(word);
  CHECK(word->load() == 0);
  int st;
  REQUIRE(waitpid(c, &st, 0) == c);
  CHECK(HostProcessExited(c));
  munmap(word, 4096);
}

TEST_CASE("shared pid lock: a waiter behind a stopped holder sleeps, and gets it at the unlock") {
  std::atomic<int32_t>* word = SharedWord();
  pid_t c = ForkHolder(word, [word] {
    raise(SIGSTOP);
    UnlockPidWord(word);
  });
  int st;
  REQUIRE(waitpid(c, &st, WUNTRACED) == c);
  REQUIRE(WIFSTOPPED(st));
  CHECK_FALSE(HostProcessExited(c));
  std::atomic<int> taken{-1};
  std::thread waiter([&] { taken = static_cast<int>(LockPidWord(word, getpid())); });
  while (!(word->load() & kPidLockSleepers)) usleep(1000);
  CHECK(taken.load() == -1);
  kill(c, SIGCONT);
  waiter.join();
  CHECK(taken.load() == static_cast<int>(PidLockTaken::kFree));
  CHECK((word->load() & ~kPidLockSleepers) == getpid());
  UnlockPidWord(word);
  REQUIRE(waitpid(c, &st, 0) == c);
  CHECK(WIFEXITED(st));
  munmap(word, 4096);
}
