// `junction config check`: validate an app or daemon config and produce the
// effective configuration. Kept apart from the CLI wiring (cmd_config.cc) so
// that tests can call it without a process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config_kind.h"

namespace junction::config {

struct ConfigCheckRequest {
  std::string path;
  std::optional<ConfigKind> kind;  // unset: detect from the file
  std::vector<std::string> sets;   // "KEY=VALUE" as given to --set
};

struct ConfigCheckOutcome {
  int exit_code = 0;     // 0, or kExitUsage on any error
  std::string output;    // the effective config as TOML (stdout)
  std::string error;     // one line, newline-terminated (stderr)
};

ConfigCheckOutcome CheckConfig(const ConfigCheckRequest& request);

}  // namespace junction::config
