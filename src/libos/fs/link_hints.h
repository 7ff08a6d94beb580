// Symlinks seen on host mounts, shared by the container's processes.
//
// On a merged-/usr system most paths an exec meets have a symlink at the
// top (/bin, /lib, /lib64 -> usr/...), and ld.so's own name is one
// (/usr/lib64/ld-linux-x86-64.so.2 -> /lib/...). The VFS learns that only
// when a host open with RESOLVE_NO_SYMLINKS fails (ELOOP), and then walks
// the path a name at a time. This set remembers, by canonical guest path,
// the names a walk found to be symlinks on a host mount, so that the next
// resolution that meets ELOOP reads those links first and tries the
// path they lead to in one host call (Vfs::FollowKnownLinks).
//
// Hints, never answers: the link of a hinted name is read from the host at
// every use, and what it leads to is resolved as usual, so a change made by
// anyone (this process, another of the container, a host process) is seen
// by the next resolution; a hint that no longer names a link costs one host
// call and is dropped. Nothing read from the set is trusted: an entry only
// says which prefix of the path being resolved to read as a link first.
//
// The set is one MAP_SHARED page made by the container's first process
// (before its first fork) and inherited by every fork and kept across exec
// (LibOS memory). Keys are 64-bit hashes of the guest path; a collision, a
// lost insert or a scribbled slot at worst makes a link read that finds no
// link, or misses a hint. Lock-free: slots are claimed by compare-and-swap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace junction::libos::fs {

// Makes the shared set (idempotent). Without it the functions below find
// and keep nothing.
void LinkHintsInit();

// Notes that canonical guest path `path` was a symlink on a host mount.
void LinkHintNote(std::string_view path);
// Forgets it (its link read found no link).
void LinkHintDrop(std::string_view path);

// The length of the shortest prefix of canonical absolute path `path` that
// ends at a component's end and is hinted (the whole path included), or 0.
size_t LinkHintFirst(std::string_view path);

// Tests: the raw shared region and its size, to scribble on and to clear.
void* LinkHintsRegionForTest(size_t* size);

}  // namespace junction::libos::fs
