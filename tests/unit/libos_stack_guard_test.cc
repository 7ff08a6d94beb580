// Every LibOS stack (a kthread's ThreadState stack and each uthread's) has
// a PROT_NONE page right below it, so an overflow faults (reported as a
// LibOS bug) instead of writing over the memory below. Checked against the
// host's /proc/self/maps: the stack's top lies in a read-write mapping of
// at least the stack's size whose lower neighbour is an inaccessible page.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "libos/entry/thread_state.h"
#include "sched/uthread.h"

namespace junction::libos {
namespace {

struct Mapping {
  uintptr_t start = 0, end = 0;
  std::string perms;
};

Mapping MappingOf(uintptr_t addr) {
  Mapping m;
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return m;
  char line[512];
  while (std::fgets(line, sizeof(line), f)) {
    unsigned long s, e;
    char perms[8];
    if (std::sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3) continue;
    if (addr >= s && addr < e) {
      m = {s, e, perms};
      break;
    }
  }
  std::fclose(f);
  return m;
}

// The stack ending at `top` (exclusive) is at least `min_size` bytes of
// read-write memory with an inaccessible page below it.
void CheckGuarded(uintptr_t top, size_t min_size) {
  Mapping stack = MappingOf(top - 1);
  REQUIRE(stack.end != 0);
  CHECK(stack.perms.substr(0, 2) == "rw");
  CHECK(top - stack.start >= min_size);
  Mapping below = MappingOf(stack.start - 1);
  REQUIRE(below.end == stack.start);  // adjacent: no unmapped hole another mapping could fill
  CHECK(below.perms.substr(0, 3) == "---");
}

TEST_CASE("LibOS stacks: a guard page below the kthread's and each uthread's stack") {
  // Set up on a thread of its own (SetupThreadState takes over its %gs
  // base); the mappings outlive it, so the checks run here (a failed
  // REQUIRE must not throw out of that thread).
  uintptr_t ts_top = 0, ts_obj = 0, u_top = 0, u_obj = 0;
  std::thread([&] {
    ThreadState* ts = SetupThreadState();
    if (!ts) return;
    ts_top = ts->libos_stack_top;
    ts_obj = reinterpret_cast<uintptr_t>(ts);
    sched::Uthread* u = sched::CreateUthread(1, GuestContext{}, 0);
    if (!u) return;
    u_top = u->libos_stack_top;
    u_obj = reinterpret_cast<uintptr_t>(u);
  }).join();
  REQUIRE(ts_top != 0);
  REQUIRE(u_top != 0);
  CheckGuarded(ts_top, 256 * 1024);
  CheckGuarded(u_top, 128 * 1024);
  // The objects lie above the stacks, not where an overflow would go.
  CHECK(ts_obj >= ts_top);
  CHECK(u_obj >= u_top);
}

}  // namespace
}  // namespace junction::libos
