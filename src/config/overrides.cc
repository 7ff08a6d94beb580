#include "config/overrides.h"

namespace junction::config {

bool ParseOverride(const std::string& text, Override* out) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  out->key = text.substr(0, eq);
  out->value = text.substr(eq + 1);
  out->origin.clear();
  out->value_is_string = false;
  return true;
}

}  // namespace junction::config
