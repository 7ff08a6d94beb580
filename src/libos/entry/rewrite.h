// Trap once, then rewrite: turns a trapped `mov $NR,%eax; syscall` site into
// a jump to a per-site trampoline that calls junction_syscall_entry.
//
// Why this pattern: the 5-byte `mov` becomes a 5-byte `jmp rel32`, so no
// return address is pushed at the site (the trampoline first moves %rsp
// past the 128-byte red zone), and the original `syscall` stays in place:
// code that jumps straight to it still works, through the trap path.
// Sites of any other shape stay on the trap path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace junction::libos {

// `after` is the address following a trapped syscall instruction and
// `nr` the syscall number. Returns true if the site now jumps to a
// trampoline. Safe to call from the SIGSYS handler (no libc, no TLS).
// *resume_now is where the trapped call itself must resume (`after`, or
// inside the new trampoline when the patch covered `after`).
bool TryRewriteSyscallSite(uintptr_t after, long nr, uintptr_t* resume_now);

// Where a trapped call that resumes at `resume` is re-issued (a signal
// restarting it): the `syscall` instruction just before `resume`, except
// when the call's own rewrite moved its resume point into a trampoline
// (shape B: the site's syscall is gone); then the trampoline's start,
// which redoes the call at the site's %rsp.
uintptr_t TrapRestartAddress(uintptr_t resume);

// Where a trapped read resumes that should have resumed at `resume` (just
// after its `syscall`): there, unless another thread rewrote the site as
// shape B while the call ran (blocked, or on another kthread); then
// `resume` lies inside the new jump and the call goes on at the
// trampoline's copy of the instructions after the syscall.
uintptr_t TrapResumeAfterRewrite(uintptr_t resume);

// A fault at `rip`, in a trampoline's copy of a site's carried instruction
// (shapes C and F): where that instruction is in the site's text, and the
// %rax it would have had there (the site's `mov $nr,%eax` ran first; left
// as is for shape C), so the guest's handler sees Linux's frame. Resuming
// there runs the text's own copy and then traps at its syscall. False for
// any other address.
bool CarriedInsnFaultOrigin(uintptr_t rip, uintptr_t* orig_rip, uint64_t* rax);

// A SIGTRAP at `int3_addr`: true if it is the int3 of a patch in progress
// (or just finished), so the thread should simply execute that address again.
bool HandlePatchTrap(uintptr_t int3_addr);

// execve: the old program's trampolines go with its text.
void ResetTrampolines();

// Host fork: the site-rewrite lock is held across the fork (released in
// parent and child) so the child never inherits a patch half done.
void RewriteForkLock();
void RewriteForkUnlock();
// In the child of a host fork: the trampolines become the child's own
// (copied when the child first adds one), and the sites the child traps
// at are logged for its parent (until it execs).
void RewriteAfterFork();

// Before a host fork: rewrites here the sites earlier children trapped at,
// so this fork's child inherits them rewritten (the first call creates
// the shared log children write to). Not from the SIGSYS handler.
void RewriteSitesOfChildren();

// A private executable mapping of a file was just made at `start` from
// file offset `off`, `len` bytes of the file in it (none read past the
// file's end: SIGBUS): rewrites the sites of that file other processes
// trapped at (entry/site_cache.h), before the guest runs them.
void RewriteKnownSites(uintptr_t start, size_t len, uint64_t off, uint64_t key);

// When false (--no-rewrite, benchmarks of the trap path), nothing is
// rewritten.
extern bool g_rewrite_enabled;

}  // namespace junction::libos
