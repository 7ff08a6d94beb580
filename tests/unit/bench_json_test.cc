// `junction bench --json` and table formatting (src/bench/result.cc).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "bench/result.h"

namespace junction::bench {
namespace {

Result Row(const char* name, double native, double junction) {
  Result r;
  r.suite = "syscall";
  r.name = name;
  r.unit = "ns/op";
  r.native = native;
  r.junction = junction;
  r.ratio = Ratio(junction, native);
  return r;
}

TEST_CASE("bench JSON: empty array") { CHECK(FormatJson({}) == "[]\n"); }

TEST_CASE("bench JSON: required fields, numbers as numbers, one object per line") {
  std::vector<Result> rows = {Row("getpid", 105.25, 21.05)};
  CHECK(FormatJson(rows) ==
        "[\n"
        "  {\"suite\": \"syscall\", \"name\": \"getpid\", \"unit\": \"ns/op\", "
        "\"native\": 105.25, \"junction\": 21.05, \"ratio\": 0.2}\n"
        "]\n");
}

TEST_CASE("bench JSON: optional fields appear only when set") {
  Result r = Row("getpid_trap", 100, 2200);
  r.iterations = 200000;
  r.repeats = 5;
  r.placement = "pinned cpu1";
  r.note = "trap path";
  std::vector<Result> rows = {r, Row("getpid", 1, 2)};
  std::string json = FormatJson(rows);
  CHECK(json ==
        "[\n"
        "  {\"suite\": \"syscall\", \"name\": \"getpid_trap\", \"unit\": \"ns/op\", "
        "\"native\": 100, \"junction\": 2200, \"ratio\": 22, \"iterations\": 200000, "
        "\"repeats\": 5, \"placement\": \"pinned cpu1\", \"note\": \"trap path\"},\n"
        "  {\"suite\": \"syscall\", \"name\": \"getpid\", \"unit\": \"ns/op\", "
        "\"native\": 1, \"junction\": 2, \"ratio\": 2}\n"
        "]\n");
}

TEST_CASE("bench JSON: strings are escaped") {
  CHECK(JsonString("plain") == "\"plain\"");
  CHECK(JsonString("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(JsonString("l1\nl2\t\r") == "\"l1\\nl2\\t\\r\"");
  CHECK(JsonString(std::string("\x01", 1)) == "\"\\u0001\"");
  CHECK(JsonString("µs") == "\"µs\"");  // UTF-8 passes through
}

TEST_CASE("bench JSON: numbers") {
  CHECK(JsonNumber(0) == "0");
  CHECK(JsonNumber(105.2) == "105.2");
  CHECK(JsonNumber(0.0295) == "0.0295");
  CHECK(JsonNumber(1.0 / 3) == "0.333333");
  CHECK(JsonNumber(2e9) == "2e+09");  // valid JSON
  CHECK(JsonNumber(std::nan("")) == "null");
  CHECK(JsonNumber(INFINITY) == "null");
}

TEST_CASE("bench ratio") {
  CHECK(Ratio(21, 105) == doctest::Approx(0.2));
  CHECK(std::isnan(Ratio(1, 0)));
  CHECK(std::isnan(Ratio(1, -1)));
  CHECK(std::isnan(Ratio(std::nan(""), 1)));
}

TEST_CASE("bench table: header, aligned columns, no exponents") {
  Result a = Row("getpid", 105.25, 21.05);
  a.placement = "pinned cpu1";
  Result b = Row("getpid_trap", 105.25, 2300);
  b.placement = "pinned cpu1";
  std::vector<Result> rows = {a, b};
  CHECK(FormatTable(rows) ==
        "suite    name         unit   native  junction   ratio  placement\n"
        "syscall  getpid       ns/op   105.2     21.05  0.2000  pinned cpu1\n"
        "syscall  getpid_trap  ns/op   105.2      2300   21.85  pinned cpu1\n");
}

}  // namespace
}  // namespace junction::bench
