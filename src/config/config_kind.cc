#include "config/config_kind.h"

#include <toml++/toml.h>

namespace junction::config {

namespace {

bool IsDaemonTopLevelKey(std::string_view key) {
  for (std::string_view k :
       {"control", "polling", "nic", "cores", "tick_us", "hugepages", "log_level"}) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

ConfigKind DetectConfigKind(std::string_view toml_text, const std::vector<Override>& overrides) {
  for (const Override& o : overrides) {
    if (IsDaemonTopLevelKey(std::string_view(o.key).substr(0, o.key.find('.')))) {
      return ConfigKind::kDaemon;
    }
  }
  toml::parse_result parsed = toml::parse(toml_text);
  if (!parsed) return ConfigKind::kApp;
  for (auto&& [key, value] : parsed.table()) {
    (void)value;
    if (IsDaemonTopLevelKey(key.str())) return ConfigKind::kDaemon;
  }
  return ConfigKind::kApp;
}

}  // namespace junction::config
