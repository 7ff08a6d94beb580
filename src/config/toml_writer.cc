#include "config/toml_writer.h"

#include <cstdio>

#include "config/value_formats.h"

namespace junction::config {

std::string QuoteTomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string TomlKey(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-');
  }
  return bare ? std::string(key) : QuoteTomlString(key);
}

void TomlWriter::Header(std::string_view open, std::string_view name, std::string_view close) {
  if (!out_.empty()) out_ += "\n";
  out_ += open;
  out_ += name;
  out_ += close;
  out_ += "\n";
}

void TomlWriter::Table(std::string_view name) { Header("[", name, "]"); }
void TomlWriter::ArrayOfTables(std::string_view name) { Header("[[", name, "]]"); }

void TomlWriter::Key(std::string_view key) { out_ += TomlKey(key) + " = "; }

void TomlWriter::String(std::string_view key, std::string_view value) {
  Key(key);
  out_ += QuoteTomlString(value) + "\n";
}

void TomlWriter::Int(std::string_view key, int64_t value) {
  Key(key);
  out_ += std::to_string(value) + "\n";
}

void TomlWriter::Bool(std::string_view key, bool value) {
  Key(key);
  out_ += value ? "true\n" : "false\n";
}

void TomlWriter::IntArray(std::string_view key, const std::vector<int>& values) {
  Key(key);
  out_ += "[";
  for (size_t i = 0; i < values.size(); i++) {
    out_ += (i == 0 ? "" : ", ") + std::to_string(values[i]);
  }
  out_ += "]\n";
}

void TomlWriter::ByteSize(std::string_view key, uint64_t bytes) {
  const std::string text = FormatByteSize(bytes);
  if (text.back() >= '0' && text.back() <= '9') {
    Int(key, static_cast<int64_t>(bytes));
  } else {
    String(key, text);
  }
}

void TomlWriter::Comment(std::string_view text) {
  out_ += "# ";
  out_ += text;
  out_ += "\n";
}

}  // namespace junction::config
