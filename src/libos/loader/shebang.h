// "#!" interpreter lines, parsed exactly as Linux's binfmt_script does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace junction::libos::loader {

// Linux reads this many bytes of a file to recognise its format
// (BINPRM_BUF_SIZE); a #! line must fit in it.
inline constexpr size_t kBinprmBufSize = 256;
// #! scripts whose interpreter is itself a script, at most this deep.
inline constexpr int kMaxScriptDepth = 4;

struct Shebang {
  std::string interpreter;
  bool has_arg = false;
  std::string arg;  // everything after the name, spaces included, trailing blanks trimmed
};

// True if the file starts with "#!".
bool IsShebang(std::span<const uint8_t> head);

// Parses the first bytes of a file (up to kBinprmBufSize; fewer if the file
// is shorter). False with `error` set when the line holds no interpreter
// name or the name does not fit in kBinprmBufSize bytes.
bool ParseShebang(std::span<const uint8_t> head, Shebang* out, std::string* error);

// The argv the interpreter gets: interpreter, [arg], script path, then the
// original argv[1..] (argv[0] is dropped, as Linux does).
std::vector<std::string> ShebangArgv(const Shebang& shebang, const std::string& script_path,
                                     const std::vector<std::string>& argv);

}  // namespace junction::libos::loader
