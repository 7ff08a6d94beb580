// `--set KEY=VALUE` overrides: a dotted TOML path and a value that is parsed
// as a TOML value (falling back to a string), then validated like the file.
#pragma once

#include <string>
#include <vector>

namespace junction::config {

struct Override {
  std::string key;    // dotted path, e.g. "net.address"
  std::string value;  // raw text after '='
  // Named in errors about this value; empty means "--set KEY".
  std::string origin;
  // Take `value` verbatim as a string instead of parsing it as TOML
  // (used for JUNCTION_SOCKET).
  bool value_is_string = false;
};

// Splits "KEY=VALUE"; returns false if there is no '=' or the key is empty.
bool ParseOverride(const std::string& text, Override* out);

}  // namespace junction::config
