// One row of `junction bench` output, and its two renderings: the
// human-readable table and the stable JSON (docs/cli.md, `bench --json`).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace junction::bench {

struct Result {
  std::string suite;
  std::string name;
  std::string unit;
  double native = 0;
  double junction = 0;
  double ratio = 0;  // junction / native
  // Optional fields: printed when set (non-empty, non-zero).
  uint64_t iterations = 0;
  int repeats = 0;
  std::string placement;  // e.g. "pinned cpu1"
  std::string note;
};

// junction / native; NaN if native is not positive.
double Ratio(double junction, double native);

// One JSON array, one object per line, numbers as JSON numbers (6
// significant digits; a non-finite number becomes null). Ends with "\n".
std::string FormatJson(std::span<const Result> results);

// A JSON string literal (quotes included) with RFC 8259 escapes.
std::string JsonString(const std::string& s);
// A JSON number with 6 significant digits, or null if not finite.
std::string JsonNumber(double v);

// Aligned columns: suite, name, unit, native, junction, ratio, placement.
std::string FormatTable(std::span<const Result> results);

}  // namespace junction::bench
