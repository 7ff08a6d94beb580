// Starting a loaded program image, at `junction run` and at execve.
#pragma once

#include "libos/loader/loader.h"

namespace junction::libos {

// Auxv values for a new image (fresh AT_RANDOM bytes, the vDSO).
loader::AuxValues GuestAuxValues();

// Points the process at `image` (exe path, name, brk) and jumps to its
// entry with a clean register and FPU state. Does not return.
[[noreturn]] void StartImage(const loader::LoadedImage& image);

}  // namespace junction::libos
