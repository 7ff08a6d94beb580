#include "config/schema_reader.h"

#include <algorithm>

namespace junction::config {

std::string ExpectedMessage(std::string_view expected, const toml::node& got) {
  return "expected " + std::string(expected) + ", got " + std::string(DescribeType(got.type()));
}

std::string TableReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* TableReader::Find(std::string_view key) const {
  return table_ == nullptr ? nullptr : table_->get(key);
}

ConfigError TableReader::ErrorAtNode(const toml::node& node, std::string path,
                                     std::string message) const {
  return origins_->Error(node.source(), std::move(path), std::move(message));
}

ConfigError TableReader::ErrorAt(std::string_view key, std::string message) const {
  if (const toml::node* n = Find(key)) return ErrorAtNode(*n, PathOf(key), std::move(message));
  toml::source_region where;
  if (table_ != nullptr) where = table_->source();
  return origins_->Error(where, PathOf(key), std::move(message));
}

ConfigError TableReader::TypeError(std::string_view key, std::string_view expected) const {
  return ErrorAt(key, ExpectedMessage(expected, *Find(key)));
}

Status TableReader::AllowOnly(std::initializer_list<std::string_view> allowed) const {
  if (table_ == nullptr) return Ok{};
  for (auto&& [key, value] : *table_) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    const std::string where = path_.empty() ? "at the top level" : "in [" + path_ + "]";
    const std::string message =
        "unknown key \"" + std::string(key.str()) + "\"; allowed keys " + where + ": " + list;
    // The key's own position, or its value's if the key has none.
    const toml::source_region& region = key.source().begin ? key.source() : value.source();
    return origins_->Error(region, PathOf(key.str()), message);
  }
  return Ok{};
}

Status TableReader::ReadBool(std::string_view key, bool* out) const {
  const toml::node* n = Find(key);
  if (n == nullptr) return Ok{};
  if (!n->is_boolean()) return TypeError(key, "a boolean (true or false)");
  *out = n->as_boolean()->get();
  return Ok{};
}

Status TableReader::ReadString(std::string_view key, std::string* out) const {
  const toml::node* n = Find(key);
  if (n == nullptr) return Ok{};
  if (!n->is_string()) return TypeError(key, "a string");
  *out = n->as_string()->get();
  return Ok{};
}

Status TableReader::ReadInt(std::string_view key, int64_t min, int64_t max, int64_t* out) const {
  const toml::node* n = Find(key);
  if (n == nullptr) return Ok{};
  if (!n->is_integer()) return TypeError(key, "an integer");
  const int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    return ErrorAt(key, std::to_string(v) + " is out of range; allowed: " + std::to_string(min) +
                            ".." + std::to_string(max));
  }
  *out = v;
  return Ok{};
}

ConfigResult<TableReader> TableReader::Table(std::string_view key) const {
  const toml::node* n = Find(key);
  if (n == nullptr) return TableReader(origins_, nullptr, PathOf(key));
  if (!n->is_table()) return TypeError(key, "a table");
  return TableReader(origins_, n->as_table(), PathOf(key));
}

ConfigResult<const toml::array*> TableReader::Array(std::string_view key) const {
  const toml::node* n = Find(key);
  if (n == nullptr) return static_cast<const toml::array*>(nullptr);
  if (!n->is_array()) return TypeError(key, "an array");
  return n->as_array();
}

}  // namespace junction::config
