// Core allocation policies: what the daemon decides every tick, as pure
// logic over a snapshot (no threads, no sockets, no clock of its own), so
// each rule is unit-tested on a simulated clock (tests/unit/sched_policy_test.cc).
//
// The daemon (daemon.cc) builds a ClusterView from its bookkeeping and the
// containers' validated signals, calls CorePolicy::Tick, and carries out
// the Decisions: a grant wakes a parked kthread of the container on that
// core; a revoke asks the core's kthread to yield and reserves the core
// for the beneficiary, which gets it the moment it is released.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "config/app_config.h"

namespace junction::sched {

using ContainerId = int64_t;
inline constexpr ContainerId kNoContainer = -1;

struct CoreView {
  int core = 0;
  ContainerId owner = kNoContainer;         // holds it now (also while releasing)
  bool releasing = false;                    // asked to yield, not given back yet
  ContainerId reserved_for = kNoContainer;   // gets it when released
  ContainerId previous_owner = kNoContainer; // held it before `owner` (or last, when idle)
  uint64_t owner_since_ns = 0;               // when `owner` got it (idle: when it became idle)
};

struct ContainerView {
  ContainerId id = kNoContainer;
  config::CpuClass cls = config::CpuClass::kBestEffort;
  int guaranteed = 0;
  int max = 1;
  int held = 0;      // cores owned and not releasing
  int incoming = 0;  // cores reserved for it (being released by someone else)
  uint64_t queue_delay_ns = 0;  // oldest runnable uthread's wait
  uint64_t runnable = 0;
  // Work exists: runnable uthreads, or a core it holds is busy.
  bool has_work = false;
};

struct ClusterView {
  uint64_t now_ns = 0;
  std::vector<CoreView> cores;
  std::vector<ContainerView> containers;
};

struct Decision {
  enum class Kind { kGrant, kRevoke };
  Kind kind = Kind::kGrant;
  int core = 0;
  // kGrant: the recipient. kRevoke: who the core is reserved for.
  ContainerId container = kNoContainer;
  const char* reason = "";  // for debug logs and tests
};

class CorePolicy {
 public:
  virtual ~CorePolicy() = default;
  virtual const char* name() const = 0;
  // Decides this tick's grants and revocations. A core appears in at most
  // one decision; only idle cores are granted; only owned, non-releasing
  // cores are revoked. The daemon forgets a container at once when it
  // exits; a policy must tolerate ids vanishing between ticks.
  virtual void Tick(const ClusterView& view, std::vector<Decision>* out) = 0;
};

// Tunables of the default policy (docs/daemon.md "Core allocation").
struct DefaultPolicyParams {
  // A container is congested when its oldest runnable uthread has waited
  // at least this long.
  uint64_t lc_delay_threshold_ns = 2'000;
  uint64_t be_delay_threshold_ns = 20'000;
  // A best-effort container keeps a core at least this long before the
  // fair rotation gives it to another congested best-effort container.
  uint64_t rotation_quantum_ns = 2'000'000;
};

std::unique_ptr<CorePolicy> MakeDefaultPolicy(const DefaultPolicyParams& params = {});

}  // namespace junction::sched
