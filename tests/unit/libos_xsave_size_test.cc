// The XSAVE image the LibOS keeps per kthread (the guest's vector state,
// saved at entry and copied out of host signal frames by the preemption
// handler) is the one the kernel's signal frames carry: the same features
// and size (their fpx_sw_bytes say both). On a host with AMX, CPUID's size
// for all of XCR0 counts the tile data the kernel leaves out (11008 bytes
// against 2816), and the copy of a frame read past the signal stack.
#include <doctest/doctest.h>

#include <signal.h>
#include <ucontext.h>

#include <cstdint>
#include <cstring>
#include <thread>

#include "libos/entry/thread_state.h"

namespace junction::libos {
namespace {

uint32_t g_frame_magic, g_frame_xstate_size;
uint64_t g_frame_features;

void OnUsr1(int, siginfo_t*, void* ucv) {
  auto* uc = static_cast<ucontext_t*>(ucv);
  auto* sw = reinterpret_cast<const char*>(uc->uc_mcontext.fpregs) + 464;  // fpx_sw_bytes
  std::memcpy(&g_frame_magic, sw, 4);
  std::memcpy(&g_frame_features, sw + 8, 8);
  std::memcpy(&g_frame_xstate_size, sw + 16, 4);
}

TEST_CASE("LibOS XSAVE image: the kernel's signal frame features and size") {
  struct sigaction sa{}, old{};
  sa.sa_sigaction = OnUsr1;
  sa.sa_flags = SA_SIGINFO;
  REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
  raise(SIGUSR1);
  sigaction(SIGUSR1, &old, nullptr);
  REQUIRE(g_frame_magic == 0x46505853u);  // FP_XSTATE_MAGIC1: an XSAVE frame
  uint64_t mask = 0;
  uint32_t size = 0;
  // Set up on a thread of its own (SetupThreadState takes over its %gs base).
  std::thread([&] {
    if (ThreadState* ts = SetupThreadState()) {
      mask = ts->xsave_mask;
      size = ts->xsave_size;
    }
  }).join();
  CHECK(size == g_frame_xstate_size);
  CHECK(mask == g_frame_features);
}

}  // namespace
}  // namespace junction::libos
