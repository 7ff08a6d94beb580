// Under the daemon: the LibOS's watcher, one host thread that runs no
// uthreads. It exists because every kthread may be without a core (parked
// on its grant word, which only the daemon's FUTEX_WAKE reaches): it waits
// in the reactor for host descriptors the guest waits on (waking their
// uthreads queues work, which rings the daemon's doorbell) and for the
// daemon's control connection. When the daemon dies the container runs
// standalone at once (said once on stderr); when a daemon listens on the
// socket again the container re-registers with the same region.
#pragma once

namespace junction::sched {

class DaemonSession;

// Starts the watcher for `session` (which must outlive the process).
// Before the seccomp filter is installed (pthread_create needs clone).
bool StartDaemonWatcher(DaemonSession* session);

}  // namespace junction::sched
