#include "config/config_error.h"

namespace junction::config {

std::string ConfigError::ToString() const {
  std::string out = file.empty() ? std::string("<config>") : file;
  if (line > 0) {
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  if (!origin.empty()) {
    out += ": " + origin;
    // "--set net.address: net.address: ..." would say the key twice.
    if (!key.empty() && origin != "--set " + key) out += ": " + key;
  } else if (!key.empty()) {
    out += ": " + key;
  }
  out += ": " + message;
  return out;
}

}  // namespace junction::config
