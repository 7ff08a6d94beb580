#include "libos/proc/process_doorbell.h"

#include <sys/syscall.h>

#include <cstring>

#include "libos/host/host.h"
#include "libos/proc/process_table.h"
#include "sched/doorbell.h"
#include "sched/kthread.h"
#include "sched/preempt.h"

namespace junction::libos::proc {

namespace {

static_assert(kMaxProcesses == sched::kMaxDoorbells, "one doorbell per process table entry");

constexpr int kDoorbellRingValue = 0x4a42454c;  // "JBEL"

// Rings process `index` by a host signal, if it is still host process
// `host_pid` (a record left by a process killed from outside must not
// signal whoever has its host pid now).
bool SendRing(int index, int host_pid) {
  Table* t = Get();
  if (!t || index < 0 || index >= kMaxProcesses) return false;
  const Entry& e = t->entries[index];
  if (e.state.load() != kRunning || e.host_pid.load() != host_pid) return false;
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  info.si_signo = sched::kPreemptSignal;
  info.si_code = SI_QUEUE;
  info.si_pid = static_cast<int>(host::Syscall(SYS_getpid));
  info.si_value.sival_int = kDoorbellRingValue;
  return host::Syscall(SYS_rt_sigqueueinfo, host_pid, sched::kPreemptSignal, host::L(&info)) == 0;
}

}  // namespace

void AttachProcessDoorbell(int pid) {
  Table* t = Get();
  Entry* e = t ? FindPid(t, pid) : nullptr;
  if (!e) return;
  sched::SetDoorbellSignal(SendRing);
  sched::AttachDoorbell(&t->doorbells, static_cast<int>(e - t->entries), e->host_pid.load());
}

bool TakeDoorbellRing(const siginfo_t* info) {
  if (info->si_code != SI_QUEUE || info->si_value.sival_int != kDoorbellRingValue) return false;
  sched::NoteSignalArrived();
  return true;
}

}  // namespace junction::libos::proc
