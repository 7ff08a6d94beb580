// Host threads for the kthreads of a forked child (docs/architecture.md,
// "Kthreads in a forked child"). A host fork copies only the forking
// thread; the parent's other kthreads' glibc thread descriptors and static
// TLS are in the child's memory all the same (glibc never learns of the
// host fork). A new host thread is cloned from the host stubs with the one
// set of thread flags the seccomp filter admits (kThreadCloneFlags), with
// %fs on such a descriptor (glibc's own initialisation of it is reused) and
// its tid written there by CLONE_CHILD_SETTID.
#pragma once

#include <cstdint>

namespace junction::libos {

// On each kthread as it starts (in the first process): finds where glibc
// keeps the thread's tid in its descriptor (the offset is glibc-private;
// the same on every thread, else no kthread is ever started in a child).
void NoteKthreadDescriptor();

// sched::KthreadStartFn: a host thread on a new stack, every host signal
// blocked until its set-up is done, that runs sched::RunRestartedKthread.
bool StartKthreadInChild(int index, uintptr_t tls);

}  // namespace junction::libos
