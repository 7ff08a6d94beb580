#include "sched/short_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace junction::sched {

namespace {

// The kernel's struct sched_attr (linux/sched/types.h clashes with glibc's
// sched.h): its first 48 bytes, which every kernel since 3.14 accepts.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};
static_assert(sizeof(SchedAttr) == 48);

}  // namespace

bool RequestShortSlice(int tid) {
  SchedAttr a{};
  a.size = sizeof a;
  if (syscall(SYS_sched_getattr, tid, &a, sizeof a, 0) != 0) return false;
  if (a.sched_policy != SCHED_OTHER && a.sched_policy != SCHED_BATCH) return false;
  a.size = sizeof a;
  a.sched_flags = 0;
  a.sched_runtime = kShortSliceNs;
  return syscall(SYS_sched_setattr, tid, &a, 0) == 0;
}

}  // namespace junction::sched
