// Errors from reading configuration: where (file:line:column), which key,
// and what is allowed. Printed as `FILE:LINE:COL: KEY: MESSAGE`; a value that
// came from the command line or the environment has no line and is printed
// as `FILE: --set KEY: MESSAGE` (or `FILE: JUNCTION_SOCKET: KEY: MESSAGE`).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace junction::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 0 = unknown (e.g. a --set override)
  int column = 0;
  std::string key; // dotted path, may be empty for syntax errors
  std::string message;
  // Where a value without a line came from: "--set KEY" or "JUNCTION_SOCKET".
  std::string origin;

  std::string ToString() const;
};

template <typename T>
class ConfigResult {
 public:
  ConfigResult(T value) : v_(std::move(value)) {}            // NOLINT
  ConfigResult(ConfigError err) : v_(std::move(err)) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const ConfigError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ConfigError> v_;
};

// Exit code for usage and configuration errors (documented in docs/cli.md).
inline constexpr int kExitUsage = 2;

}  // namespace junction::config
