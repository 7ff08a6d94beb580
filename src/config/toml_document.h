// Internal to src/config: a parsed TOML document with the --set and
// environment overrides merged in, and knowledge of where each part came
// from so that errors can name the file position or the override.
//
// toml++ is compiled with TOML_EXCEPTIONS=0 for this library, so parsing
// reports errors as values; nothing here throws.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/overrides.h"

namespace junction::config {

// Builds errors for one document. Nodes read from the file carry source
// regions (line, column); nodes inserted by overrides do not, and are
// attributed to the override whose key path covers them.
class DocumentOrigins {
 public:
  struct OverrideOrigin {
    std::string key;    // dotted path
    std::string label;  // "--set net.address" or "JUNCTION_SOCKET"
  };

  DocumentOrigins() = default;
  DocumentOrigins(std::string file, std::vector<OverrideOrigin> overrides)
      : file_(std::move(file)), overrides_(std::move(overrides)) {}

  const std::string& file() const { return file_; }

  ConfigError Error(const toml::source_region& where, std::string key_path,
                    std::string message) const;

 private:
  std::string file_;
  std::vector<OverrideOrigin> overrides_;
};

struct TomlDocument {
  toml::table root;
  DocumentOrigins origins;
};

// Parses `text` (syntax errors carry line and column) and applies each
// override in order: its value is parsed as a TOML value, or taken as a
// string if it does not parse as one, and stored at its dotted key path,
// creating tables as needed.
ConfigResult<TomlDocument> ParseTomlDocument(std::string_view text, const std::string& source_name,
                                             const std::vector<Override>& overrides);

// Reads a whole file; errors name the file and the reason.
ConfigResult<std::string> ReadConfigFile(const std::string& path);

// "an integer", "a string", ... for error messages.
std::string_view DescribeType(toml::node_type type);

}  // namespace junction::config
