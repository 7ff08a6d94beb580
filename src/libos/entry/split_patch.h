// Where a saved guest context resumes whose %rip lies strictly inside the
// bytes of a rewritten syscall site.
//
// Some shapes' 5-byte jump covers more than one instruction (rewrite.cc,
// shapes B, E and G: `xor %eax,%eax; syscall; cmp ...`). A thread stopped
// at one of the covered boundaries before the rewrite — preempted, in a
// signal handler whose frame holds that address, at a restart point —
// must not resume there: those bytes are now the jump's displacement. It
// resumes at the same point of the site's trampoline instead, which runs
// the same instructions at the same %rsp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace junction::libos {

struct SplitPatchPoint {
  uintptr_t inside;    // an instruction boundary strictly inside a patch
  uintptr_t in_tramp;  // the same point in the site's trampoline
  uintptr_t site;      // the patch (a `jmp rel32` to `tramp`)
  uintptr_t tramp;
};

// Records one site's points, all or none (false: the table is full, and
// the site must stay on the trap path). Under the rewrite lock, before the
// site is patched.
bool NoteSplitPatchPoints(const SplitPatchPoint* points, size_t n);

// `rip`, or its trampoline equivalent if it is a recorded point whose site
// still holds the jump (not code mapped there since). A scan of a few
// entries: for resumes from saved contexts (signal return, preemption),
// not for the syscall path. No locks, no libc.
uintptr_t ResumeOutsideSplitPatch(uintptr_t rip);

// execve: the old image's sites go with it.
void ForgetSplitPatchPoints();

}  // namespace junction::libos
