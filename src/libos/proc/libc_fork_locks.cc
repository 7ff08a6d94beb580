#include "libos/proc/libc_fork_locks.h"

// glibc's own fork handlers for malloc (malloc/arena.c), global (hidden)
// symbols in the static libc.a the LibOS links. Weak: absent from a shared
// libc (then nothing to do, e.g. in a unit-test binary).
extern "C" {
[[gnu::weak]] void __malloc_fork_lock_parent();
[[gnu::weak]] void __malloc_fork_unlock_parent();
[[gnu::weak]] void __malloc_fork_unlock_child();
}

namespace junction::libos::proc {

void LibcForkLock() {
  if (__malloc_fork_lock_parent) __malloc_fork_lock_parent();
}

void LibcForkUnlockParent() {
  if (__malloc_fork_unlock_parent) __malloc_fork_unlock_parent();
}

void LibcForkUnlockChild() {
  if (__malloc_fork_unlock_child) __malloc_fork_unlock_child();
}

}  // namespace junction::libos::proc
