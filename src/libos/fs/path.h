// Pure path helpers (no file system access), unit-tested in
// tests/unit/vfs_path_test.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace junction::libos::fs {

// "a//b/./c/" -> {"a", "b", ".", "c"} (empty components dropped; "." and
// ".." kept for the resolver).
std::vector<std::string> SplitPath(const std::string& path);
// Joins canonical components into an absolute path ("/" for none).
std::string JoinAbsolute(const std::vector<std::string>& comps);
// Lexical normalisation of an absolute path: drops ".", applies "..", never
// above "/". Only valid when no component is a symlink.
std::string NormalizeAbsolute(const std::string& path);
// True if NormalizeAbsolute(path) == path: absolute, no empty, "." or ".."
// component, no trailing '/' (except "/" itself).
bool IsCanonicalAbsolute(const std::string& path);
// True if `path` equals `prefix` or lies below it ("/a" covers "/a/b", not "/ab").
bool PathCovers(const std::string& prefix, const std::string& path);
// The part of `path` below `prefix` ("" for prefix itself); requires PathCovers.
std::string PathBelow(const std::string& prefix, const std::string& path);
// The same, as a pointer into `path` (no copy).
const char* PathBelowPtr(const std::string& prefix, const std::string& path);
bool HasDotDot(std::string_view path);

}  // namespace junction::libos::fs
