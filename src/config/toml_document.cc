#include "config/toml_document.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace junction::config {

namespace {

// True if `path` is `key`, or lies below it ("fs.mounts[0].target" is
// below "fs.mounts"), or is one of the tables created to hold it.
bool PathsOverlap(std::string_view path, std::string_view key) {
  auto is_below = [](std::string_view longer, std::string_view shorter) {
    return longer.size() > shorter.size() && longer.substr(0, shorter.size()) == shorter &&
           (longer[shorter.size()] == '.' || longer[shorter.size()] == '[');
  };
  return path == key || is_below(path, key) || is_below(key, path);
}

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> SplitDotted(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// The override's value as a node: TOML if `x = VALUE` parses to exactly one
// key, otherwise the raw text as a string.
std::unique_ptr<toml::node> OverrideValue(const Override& o) {
  if (!o.value_is_string) {
    std::string doc = "x = " + o.value;
    toml::parse_result parsed = toml::parse(std::string_view(doc), std::string_view("<override>"));
    if (parsed && parsed.table().size() == 1) {
      if (const toml::node* v = parsed.table().get("x")) {
        // Copying drops the source region, which is what marks the node as
        // coming from an override.
        if (const toml::table* t = v->as_table()) return std::make_unique<toml::table>(*t);
        if (const toml::array* a = v->as_array()) return std::make_unique<toml::array>(*a);
        std::unique_ptr<toml::node> copy;
        v->visit([&copy](const auto& value) {
          using V = std::decay_t<decltype(value)>;
          if constexpr (toml::is_value<V>) copy = std::make_unique<V>(value);
        });
        if (copy) return copy;
      }
    }
  }
  return std::make_unique<toml::value<std::string>>(o.value);
}

std::string OverrideLabel(const Override& o) {
  return o.origin.empty() ? "--set " + o.key : o.origin;
}

ConfigError OverrideError(const std::string& file, const Override& o, std::string message) {
  ConfigError e;
  e.file = file;
  e.key = o.key;
  e.origin = OverrideLabel(o);
  e.message = std::move(message);
  return e;
}

// Stores the override's value at its dotted path inside `root`.
ConfigResult<bool> ApplyOverride(toml::table* root, const Override& o, const std::string& file) {
  std::vector<std::string> parts = SplitDotted(o.key);
  for (const std::string& part : parts) {
    if (!IsBareKey(part)) {
      return OverrideError(file, o,
                           "\"" + o.key +
                               "\" is not a dotted key path; each part must be made of "
                               "letters, digits, '_' and '-' (e.g. net.address)");
    }
  }
  toml::table* table = root;
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); i++) {
    walked += (walked.empty() ? "" : ".") + parts[i];
    toml::node* next = table->get(parts[i]);
    if (next == nullptr) {
      auto [it, inserted] = table->insert(parts[i], toml::table{});
      (void)inserted;
      next = &it->second;
    }
    if (!next->is_table()) {
      return OverrideError(file, o,
                           "cannot set a key inside \"" + walked + "\", which is " +
                               std::string(DescribeType(next->type())) +
                               ", not a table (--set cannot index into arrays)");
    }
    table = next->as_table();
  }
  std::unique_ptr<toml::node> value = OverrideValue(o);
  value->visit([&](auto& v) { table->insert_or_assign(parts.back(), std::move(v)); });
  return true;
}

}  // namespace

ConfigError DocumentOrigins::Error(const toml::source_region& where, std::string key_path,
                                   std::string message) const {
  ConfigError e;
  e.file = file_;
  e.key = std::move(key_path);
  e.message = std::move(message);
  if (where.begin.line > 0) {
    e.line = static_cast<int>(where.begin.line);
    e.column = static_cast<int>(where.begin.column);
    return e;
  }
  // No position: the value came from an override (the last one wins).
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (PathsOverlap(e.key, it->key)) {
      e.origin = it->label;
      break;
    }
  }
  return e;
}

ConfigResult<TomlDocument> ParseTomlDocument(std::string_view text, const std::string& source_name,
                                             const std::vector<Override>& overrides) {
  toml::parse_result parsed = toml::parse(text, std::string_view(source_name));
  if (!parsed) {
    const toml::parse_error& err = parsed.error();
    ConfigError e;
    e.file = source_name;
    e.line = static_cast<int>(err.source().begin.line);
    e.column = static_cast<int>(err.source().begin.column);
    e.message = "TOML syntax error: " + std::string(err.description());
    return e;
  }
  TomlDocument doc;
  doc.root = std::move(parsed).table();
  std::vector<DocumentOrigins::OverrideOrigin> origins;
  for (const Override& o : overrides) {
    ConfigResult<bool> applied = ApplyOverride(&doc.root, o, source_name);
    if (!applied) return applied.error();
    origins.push_back({o.key, OverrideLabel(o)});
  }
  doc.origins = DocumentOrigins(source_name, std::move(origins));
  return doc;
}

ConfigResult<std::string> ReadConfigFile(const std::string& path) {
  ConfigError e;
  e.file = path;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    e.message = std::string("cannot open: ") + std::strerror(errno);
    return e;
  }
  std::string text;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int saved_errno = errno;
  std::fclose(f);
  if (failed) {
    e.message = std::string("cannot read: ") + std::strerror(saved_errno);
    return e;
  }
  return text;
}

std::string_view DescribeType(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

}  // namespace junction::config
