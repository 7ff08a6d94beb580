#include "bench/result.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace junction::bench {

double Ratio(double junction, double native) {
  if (!(native > 0) || !std::isfinite(junction)) return std::nan("");
  return junction / native;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string FormatJson(std::span<const Result> results) {
  std::string out = "[";
  for (size_t i = 0; i < results.size(); i++) {
    const Result& r = results[i];
    out += i ? ",\n  {" : "\n  {";
    out += "\"suite\": " + JsonString(r.suite);
    out += ", \"name\": " + JsonString(r.name);
    out += ", \"unit\": " + JsonString(r.unit);
    out += ", \"native\": " + JsonNumber(r.native);
    out += ", \"junction\": " + JsonNumber(r.junction);
    out += ", \"ratio\": " + JsonNumber(r.ratio);
    if (r.iterations) out += ", \"iterations\": " + std::to_string(r.iterations);
    if (r.repeats) out += ", \"repeats\": " + std::to_string(r.repeats);
    if (!r.placement.empty()) out += ", \"placement\": " + JsonString(r.placement);
    if (!r.note.empty()) out += ", \"note\": " + JsonString(r.note);
    out += "}";
  }
  out += results.empty() ? "]\n" : "\n]\n";
  return out;
}

namespace {

// Three or four significant digits, never an exponent.
std::string TableNumber(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  double a = std::fabs(v);
  int decimals = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : 4;
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string FormatTable(std::span<const Result> results) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"suite", "name", "unit", "native", "junction", "ratio", "placement"});
  for (const Result& r : results)
    rows.push_back({r.suite, r.name, r.unit, TableNumber(r.native), TableNumber(r.junction),
                    TableNumber(r.ratio), r.placement});
  // Text columns are left-aligned, numbers right-aligned.
  const bool numeric[] = {false, false, false, true, true, true, false};
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); c++) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); c++) {
      std::string pad(width[c] - row[c].size(), ' ');
      if (c) line += "  ";
      line += numeric[c] ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : "");
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace junction::bench
