// Internal to src/config: writes TOML text in the order the caller gives,
// so that the effective config reads like the documentation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace junction::config {

class TomlWriter {
 public:
  // Starts "[name]" or "[[name]]"; a blank line separates it from the
  // previous section.
  void Table(std::string_view name);
  void ArrayOfTables(std::string_view name);

  void String(std::string_view key, std::string_view value);
  void Int(std::string_view key, int64_t value);
  void Bool(std::string_view key, bool value);
  void IntArray(std::string_view key, const std::vector<int>& values);
  // A size written as "512M" when exact, else as an integer of bytes.
  void ByteSize(std::string_view key, uint64_t bytes);
  void Comment(std::string_view text);

  const std::string& text() const { return out_; }

 private:
  void Key(std::string_view key);
  void Header(std::string_view open, std::string_view name, std::string_view close);

  std::string out_;
};

// A TOML basic string: quoted, with \", \\ and control characters escaped.
std::string QuoteTomlString(std::string_view s);
// A key as written in TOML: bare if possible, otherwise quoted.
std::string TomlKey(std::string_view key);

}  // namespace junction::config
