// Shared helpers for the config unit tests.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/app_config.h"
#include "config/daemon_config.h"

namespace junction::config::testing {

inline std::vector<Override> Sets(std::initializer_list<const char*> texts) {
  std::vector<Override> out;
  for (const char* t : texts) {
    Override o;
    REQUIRE(ParseOverride(t, &o));
    out.push_back(o);
  }
  return out;
}

inline AppConfig ParseAppOk(std::string_view text, std::vector<Override> sets = {}) {
  auto cfg = ParseAppConfig(text, "app.toml", sets);
  INFO("error: ", (cfg.ok() ? std::string() : cfg.error().ToString()));
  REQUIRE(cfg.ok());
  return cfg.value();
}

inline ConfigError ParseAppError(std::string_view text, std::vector<Override> sets = {}) {
  auto cfg = ParseAppConfig(text, "app.toml", sets);
  REQUIRE_FALSE(cfg.ok());
  return cfg.error();
}

inline DaemonConfig ParseDaemonOk(std::string_view text, std::vector<Override> sets = {}) {
  auto cfg = ParseDaemonConfig(text, "daemon.toml", sets);
  INFO("error: ", (cfg.ok() ? std::string() : cfg.error().ToString()));
  REQUIRE(cfg.ok());
  return cfg.value();
}

inline ConfigError ParseDaemonError(std::string_view text, std::vector<Override> sets = {}) {
  auto cfg = ParseDaemonConfig(text, "daemon.toml", sets);
  REQUIRE_FALSE(cfg.ok());
  return cfg.error();
}

inline bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Checks the position, key and part of the message of an error.
#define CHECK_CONFIG_ERROR(err, want_line, want_col, want_key, message_part)    \
  do {                                                                          \
    const ::junction::config::ConfigError& e_ = (err);                          \
    INFO("error: ", e_.ToString());                                             \
    CHECK(e_.line == (want_line));                                              \
    CHECK(e_.column == (want_col));                                             \
    CHECK(e_.key == (want_key));                                                \
    CHECK(::junction::config::testing::Contains(e_.message, (message_part)));   \
  } while (0)

}  // namespace junction::config::testing
