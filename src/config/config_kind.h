// Tells an app config from a daemon config, for `junction config check`.
#pragma once

#include <string_view>
#include <vector>

#include "config/overrides.h"

namespace junction::config {

enum class ConfigKind { kApp, kDaemon };

// A daemon config has any of the daemon's top-level keys (control, polling,
// nic, cores, tick_us, hugepages, log_level), in the text or as the first
// part of an override key; anything else, including text that does not
// parse, is taken as an app config (whose parser then reports the error).
ConfigKind DetectConfigKind(std::string_view toml_text, const std::vector<Override>& overrides = {});

}  // namespace junction::config
