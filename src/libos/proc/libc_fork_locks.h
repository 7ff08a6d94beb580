// The locks of the LibOS's own libc (its malloc arenas) across a host fork.
//
// glibc's fork() takes every malloc arena lock before the fork and releases
// them in both processes after it; the LibOS forks with a raw host clone,
// which glibc never sees. Without this, another kthread inside malloc at
// the moment of the fork leaves the child's copy of that arena locked for
// good (its next malloc hangs). Taken last, after the LibOS's own fork
// locks: code holding those allocates, malloc takes none of them. Like
// glibc's fork, the fork takes them only when another host thread exists
// (sched::g_single_kthread false): alone, nobody else can hold one.
#pragma once

namespace junction::libos::proc {

// Before the host fork, with host signals not yet blocked: contended,
// glibc's lock waits in a futex call from libc's text, forwarded by the
// SIGSYS handler (entry/sigsys.cc). A holder never parks: LibOS code is
// not preempted (sched/preempt.cc) and malloc calls no LibOS code.
void LibcForkLock();
// In the parent after the host fork (or its failure).
void LibcForkUnlockParent();
// In the child, first thing: the arenas' locks made anew, every arena but
// this thread's free for reuse (the other kthreads are gone).
void LibcForkUnlockChild();

}  // namespace junction::libos::proc
