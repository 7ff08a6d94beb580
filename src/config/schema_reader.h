// Internal to src/config: typed, checked reading of one TOML table against
// a schema. Every failure is a ConfigError with the position (or override)
// and the dotted key path, saying what was expected and what is allowed.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config/config_error.h"
#include "config/toml_document.h"

namespace junction::config {

struct Ok {};
using Status = ConfigResult<Ok>;

// Returns the error of a failed ConfigResult from the enclosing function.
#define CONFIG_TRY(expr)                                       \
  do {                                                         \
    auto config_try_result_ = (expr);                          \
    if (!config_try_result_.ok()) return config_try_result_.error(); \
  } while (0)

template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

// Reads keys of one table. A reader over an absent table (`table` null)
// finds no keys, so every field keeps its default.
class TableReader {
 public:
  TableReader(const DocumentOrigins* origins, const toml::table* table, std::string path)
      : origins_(origins), table_(table), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  bool present() const { return table_ != nullptr; }

  // Fails on the first key not in `allowed`, listing the allowed keys.
  Status AllowOnly(std::initializer_list<std::string_view> allowed) const;

  const toml::node* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  // Each Read* leaves *out alone if the key is absent.
  Status ReadBool(std::string_view key, bool* out) const;
  Status ReadString(std::string_view key, std::string* out) const;
  Status ReadInt(std::string_view key, int64_t min, int64_t max, int64_t* out) const;
  template <typename Int>
  Status ReadInt(std::string_view key, int64_t min, int64_t max, Int* out) const {
    int64_t v = static_cast<int64_t>(*out);
    CONFIG_TRY(ReadInt(key, min, max, &v));
    *out = static_cast<Int>(v);
    return Ok{};
  }
  template <typename E, size_t N>
  Status ReadEnum(std::string_view key, const EnumName<E> (&names)[N], E* out) const {
    std::string text;
    if (!Has(key)) return Ok{};
    CONFIG_TRY(ReadString(key, &text));
    for (const EnumName<E>& n : names) {
      if (n.name == text) {
        *out = n.value;
        return Ok{};
      }
    }
    std::string allowed;
    for (const EnumName<E>& n : names) {
      allowed += (allowed.empty() ? "\"" : ", \"") + std::string(n.name) + "\"";
    }
    return ErrorAt(key, "\"" + text + "\" is not allowed; allowed values: " + allowed);
  }

  // The sub-table at `key`; a reader over nothing if absent. Fails if the
  // key holds something other than a table.
  ConfigResult<TableReader> Table(std::string_view key) const;

  // The array at `key`, or null if absent. Fails if not an array.
  ConfigResult<const toml::array*> Array(std::string_view key) const;

  std::string PathOf(std::string_view key) const;
  // An error about `key`: at its value if present, else at this table.
  ConfigError ErrorAt(std::string_view key, std::string message) const;
  // An error about any node, e.g. an array element.
  ConfigError ErrorAtNode(const toml::node& node, std::string path, std::string message) const;
  ConfigError TypeError(std::string_view key, std::string_view expected) const;

  const DocumentOrigins& origins() const { return *origins_; }

 private:
  const DocumentOrigins* origins_;
  const toml::table* table_;
  std::string path_;
};

// "a table" -> "expected a table, got an integer".
std::string ExpectedMessage(std::string_view expected, const toml::node& got);

}  // namespace junction::config
