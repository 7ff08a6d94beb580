// #! lines parsed and argv rewritten as Linux's binfmt_script does.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "libos/loader/shebang.h"

namespace junction::libos::loader {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Shebang Parse(const std::string& text) {
  Shebang sb;
  std::string error;
  REQUIRE_MESSAGE(ParseShebang(Bytes(text), &sb, &error), error);
  return sb;
}

std::string ParseError(const std::string& text) {
  Shebang sb;
  std::string error;
  if (ParseShebang(Bytes(text), &sb, &error)) return "ok";
  return error;
}

TEST_CASE("interpreter without argument") {
  Shebang sb = Parse("#!/bin/sh\necho hi\n");
  CHECK(sb.interpreter == "/bin/sh");
  CHECK_FALSE(sb.has_arg);
}

TEST_CASE("interpreter with one argument, blanks around") {
  Shebang sb = Parse("#! \t/usr/bin/env   python3 \t\nprint(1)\n");
  CHECK(sb.interpreter == "/usr/bin/env");
  CHECK(sb.has_arg);
  CHECK(sb.arg == "python3");
}

TEST_CASE("everything after the name is one argument") {
  Shebang sb = Parse("#!/usr/bin/env python3 -u -O\n");
  CHECK(sb.arg == "python3 -u -O");
}

TEST_CASE("no newline: a short file is the whole line") {
  Shebang sb = Parse("#!/bin/sh");
  CHECK(sb.interpreter == "/bin/sh");
  CHECK_FALSE(sb.has_arg);
}

TEST_CASE("CR is part of the name, as on Linux") {
  CHECK(Parse("#!/bin/sh\r\n").interpreter == "/bin/sh\r");
}

TEST_CASE("a line longer than 256 bytes") {
  // The name ends inside the buffer: accepted, the argument is cut.
  std::string long_arg = "#!/bin/sh " + std::string(400, 'x') + "\n";
  Shebang sb = Parse(long_arg);
  CHECK(sb.interpreter == "/bin/sh");
  CHECK(sb.arg.size() == 255 - 10);
  // The name itself does not fit: rejected.
  CHECK(ParseError("#!/" + std::string(400, 'a') + "\n") ==
        "#! line too long (interpreter name truncated)");
}

TEST_CASE("no interpreter name") {
  CHECK(ParseError("#!\n") == "#! line names no interpreter");
  CHECK(ParseError("#!   \t \nfoo") == "#! line names no interpreter");
  CHECK(ParseError("#!") == "#! line names no interpreter");
}

TEST_CASE("not a script") {
  CHECK_FALSE(IsShebang(Bytes("#")));
  CHECK_FALSE(IsShebang(Bytes("\x7f" "ELF")));
  CHECK(IsShebang(Bytes("#!")));
  CHECK(ParseError("# !/bin/sh") == "not a #! script");
}

TEST_CASE("argv rewriting: interpreter, [arg], script path, argv[1..]") {
  std::vector<std::string> argv = {"name-as-typed", "a", "b"};
  Shebang with_arg{.interpreter = "/usr/bin/env", .has_arg = true, .arg = "python3"};
  CHECK(ShebangArgv(with_arg, "/srv/run.py", argv) ==
        std::vector<std::string>{"/usr/bin/env", "python3", "/srv/run.py", "a", "b"});
  Shebang no_arg{.interpreter = "/bin/sh"};
  CHECK(ShebangArgv(no_arg, "./x.sh", argv) ==
        std::vector<std::string>{"/bin/sh", "./x.sh", "a", "b"});
  CHECK(ShebangArgv(no_arg, "./x.sh", {"only"}) == std::vector<std::string>{"/bin/sh", "./x.sh"});
}

}  // namespace
}  // namespace junction::libos::loader
