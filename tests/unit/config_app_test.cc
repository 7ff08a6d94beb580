// App config: valid files, every kind of invalid file, round trips.
#include <doctest/doctest.h>

#include "config/app_config.h"
#include "config_test_helpers.h"

namespace junction::config {
namespace {

using testing::Contains;
using testing::ParseAppError;
using testing::ParseAppOk;

constexpr const char* kFullApp = R"(
name = "web.front-1"
workdir = "/srv"
uid = 1000
gid = 1000

[cpu]
max_cores = 4
guaranteed_cores = 2
spinning_kthreads = 1
class = "latency-critical"
time_slice_us = 50

[net]
mode = "bypass"
address = "10.99.0.2/24"
gateway = "10.99.0.1"
mtu = 9000

[fs]
root = "/var/lib/web"

[[fs.mounts]]
type = "bind"
target = "/data"
source = "/srv/data"
read_only = true

[[fs.mounts]]
type = "tmpfs"
target = "/tmp"
size = "64M"

[env]
inherit = false
vars = { PATH = "/usr/bin:/bin", "MY.VAR" = "x y" }

[limits]
memory = "2G"
open_files = 65536

[daemon]
socket = "/tmp/junction.sock"
)";

TEST_CASE("app config: every key is read") {
  AppConfig c = ParseAppOk(kFullApp);
  CHECK(c.source_path == "app.toml");
  CHECK(c.name == "web.front-1");
  CHECK(c.workdir == "/srv");
  CHECK(c.uid == 1000u);
  CHECK(c.gid == 1000u);
  CHECK(c.cpu.max_cores == 4);
  CHECK(c.cpu.guaranteed_cores == 2);
  CHECK(c.cpu.spinning_kthreads == 1);
  CHECK(c.cpu.cls == CpuClass::kLatencyCritical);
  CHECK(c.cpu.time_slice_us == 50);
  CHECK(c.net.mode == NetMode::kBypass);
  REQUIRE(c.net.address.has_value());
  CHECK(c.net.address->addr == 0x0a630002u);
  CHECK(c.net.address->prefix == 24);
  CHECK(c.net.address->ToString() == "10.99.0.2/24");
  CHECK(c.net.gateway == 0x0a630001u);
  CHECK(c.net.mtu == 9000);
  CHECK(c.fs.root == "/var/lib/web");
  REQUIRE(c.fs.mounts.size() == 2);
  CHECK(c.fs.mounts[0].type == MountType::kBind);
  CHECK(c.fs.mounts[0].target == "/data");
  CHECK(c.fs.mounts[0].source == "/srv/data");
  CHECK(c.fs.mounts[0].read_only);
  CHECK(c.fs.mounts[1].type == MountType::kTmpfs);
  CHECK(c.fs.mounts[1].size_bytes == 64ull << 20);
  CHECK_FALSE(c.env.inherit);
  CHECK(c.env.vars.at("PATH") == "/usr/bin:/bin");
  CHECK(c.env.vars.at("MY.VAR") == "x y");
  CHECK(c.limits.memory_bytes == 2ull << 30);
  CHECK(c.limits.open_files == 65536);
  CHECK(c.daemon_socket == "/tmp/junction.sock");
}

TEST_CASE("app config: an empty file is the default") {
  AppConfig c = ParseAppOk("");
  CHECK(ToToml(c) == ToToml(DefaultAppConfig()));
  CHECK(c.name == "app");
  CHECK(c.cpu.max_cores == 1);
  CHECK(c.cpu.cls == CpuClass::kBestEffort);
  CHECK(c.net.mode == NetMode::kHost);
  CHECK(c.fs.root == "/");
  CHECK(c.env.inherit);
  CHECK(c.limits.memory_bytes == 0);
  CHECK_FALSE(c.daemon_socket.has_value());
}

TEST_CASE("app config: sizes may be integers of bytes") {
  AppConfig c = ParseAppOk("[limits]\nmemory = 1048576\n");
  CHECK(c.limits.memory_bytes == 1048576);
  c = ParseAppOk("[limits]\nmemory = \"512k\"\n");
  CHECK(c.limits.memory_bytes == 512 * 1024);
}

TEST_CASE("app config: round trip through ToToml") {
  for (const char* text : {kFullApp, "", "[net]\nmode = \"bypass\"\naddress = \"192.168.1.7/16\"\n"}) {
    AppConfig first = ParseAppOk(text);
    const std::string toml = ToToml(first);
    AppConfig second = ParseAppOk(toml);
    CHECK(ToToml(second) == toml);
    CHECK(second.name == first.name);
    CHECK(second.fs.mounts.size() == first.fs.mounts.size());
    CHECK(second.env.vars == first.env.vars);
    CHECK(second.limits.memory_bytes == first.limits.memory_bytes);
  }
  // Odd sizes and names survive too.
  AppConfig c = DefaultAppConfig();
  c.limits.memory_bytes = 1234567;
  c.env.vars["QUOTE\"D"] = "line\nbreak\t\"q\" \\";
  AppConfig back = ParseAppOk(ToToml(c));
  CHECK(back.limits.memory_bytes == 1234567);
  CHECK(back.env.vars == c.env.vars);
}

TEST_CASE("app config: syntax errors carry line and column") {
  ConfigError e = ParseAppError("name = \"x\"\n[cpu\nmax_cores = 1\n");
  CHECK(e.file == "app.toml");
  CHECK(e.line == 2);
  CHECK(e.column > 0);
  CHECK(Contains(e.message, "TOML syntax error"));
  CHECK(Contains(e.ToString(), "app.toml:2:"));
}

TEST_CASE("app config: unknown keys list the allowed ones") {
  CHECK_CONFIG_ERROR(ParseAppError("name = \"a\"\n[cpu]\nmax_core = 3\n"), 3, 1, "cpu.max_core",
                     "allowed keys in [cpu]: max_cores, guaranteed_cores");
  CHECK_CONFIG_ERROR(ParseAppError("\n  colour = 1\n"), 2, 3, "colour",
                     "allowed keys at the top level: name, cpu");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\nmode = 1\n"),
                     4, 1, "fs.mounts[0].mode", "allowed keys in [fs.mounts[0]]: type, target");
  CHECK(ParseAppError("[cpu]\nmax_core = 3\n").ToString() ==
        "app.toml:2:1: cpu.max_core: unknown key \"max_core\"; allowed keys in [cpu]: "
        "max_cores, guaranteed_cores, spinning_kthreads, class, time_slice_us");
}

TEST_CASE("app config: wrong types say the expected type") {
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nmax_cores = \"4\"\n"), 2, 13, "cpu.max_cores",
                     "expected an integer, got a string");
  CHECK_CONFIG_ERROR(ParseAppError("name = 5\n"), 1, 8, "name", "expected a string, got an integer");
  CHECK_CONFIG_ERROR(ParseAppError("cpu = 5\n"), 1, 7, "cpu", "expected a table, got an integer");
  CHECK_CONFIG_ERROR(ParseAppError("[env]\ninherit = \"yes\"\n"), 2, 11, "env.inherit",
                     "expected a boolean");
  CHECK_CONFIG_ERROR(ParseAppError("[env.vars]\nN = 1\n"), 2, 5, "env.vars.N", "expected a string");
  CHECK_CONFIG_ERROR(ParseAppError("[limits]\nmemory = 1.5\n"), 2, 10, "limits.memory",
                     "expected a size");
  CHECK_CONFIG_ERROR(ParseAppError("[fs]\nmounts = [1]\n"), 2, 11, "fs.mounts[0]",
                     "expected a table");
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nmax_cores = 2.0\n"), 2, 13, "cpu.max_cores",
                     "got a floating-point number");
}

TEST_CASE("app config: out-of-range values give the range") {
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nmax_cores = 0\n"), 2, 13, "cpu.max_cores",
                     "0 is out of range; allowed: 1..256");
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nmax_cores = 257\n"), 2, 13, "cpu.max_cores",
                     "allowed: 1..256");
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\ntime_slice_us = 5\n"), 2, 17, "cpu.time_slice_us",
                     "allowed: 10..1000000");
  CHECK_CONFIG_ERROR(ParseAppError("[net]\nmtu = 100\n"), 2, 7, "net.mtu", "allowed: 576..9000");
  CHECK_CONFIG_ERROR(ParseAppError("uid = -1\n"), 1, 7, "uid", "allowed: 0..4294967294");
  CHECK_CONFIG_ERROR(ParseAppError("[limits]\nopen_files = 0\n"), 2, 14, "limits.open_files",
                     "allowed: 1..1048576");
  CHECK_CONFIG_ERROR(ParseAppError("[limits]\nmemory = \"12X\"\n"), 2, 10, "limits.memory",
                     "expected a size like \"512M\"");
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nclass = \"fast\"\n"), 2, 9, "cpu.class",
                     "allowed values: \"latency-critical\", \"best-effort\"");
  CHECK_CONFIG_ERROR(ParseAppError("[net]\nmode = \"kernel\"\n"), 2, 8, "net.mode",
                     "allowed values: \"host\", \"bypass\"");
}

TEST_CASE("app config: names") {
  CHECK(ParseAppOk("name = \"a_b.c-D9\"\n").name == "a_b.c-D9");
  CHECK_CONFIG_ERROR(ParseAppError("name = \"\"\n"), 1, 8, "name", "1..63 characters");
  CHECK_CONFIG_ERROR(ParseAppError("name = \"has space\"\n"), 1, 8, "name", "not a valid name");
  CHECK_CONFIG_ERROR(ParseAppError("name = \"" + std::string(64, 'x') + "\"\n"), 1, 8, "name",
                     "not a valid name");
}

TEST_CASE("app config: more guaranteed than max cores") {
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nmax_cores = 2\nguaranteed_cores = 3\n"), 3, 20,
                     "cpu.guaranteed_cores", "exceed cpu.max_cores = 2");
  CHECK_CONFIG_ERROR(ParseAppError("[cpu]\nmax_cores = 2\nspinning_kthreads = 3\n"), 3, 21,
                     "cpu.spinning_kthreads", "exceed cpu.max_cores = 2");
}

TEST_CASE("app config: network rules") {
  // Bypass needs an address; the error points at the mode.
  CHECK_CONFIG_ERROR(ParseAppError("[net]\nmode = \"bypass\"\n"), 2, 8, "net.address",
                     "required when net.mode = \"bypass\"");
  // Gateway outside the subnet.
  CHECK_CONFIG_ERROR(
      ParseAppError("[net]\nmode = \"bypass\"\naddress = \"10.99.0.2/24\"\ngateway = \"10.98.0.1\"\n"),
      4, 11, "net.gateway", "outside the subnet 10.99.0.0/24");
  // Gateway equal to the address.
  CHECK_CONFIG_ERROR(
      ParseAppError("[net]\nmode = \"bypass\"\naddress = \"10.99.0.2/24\"\ngateway = \"10.99.0.2\"\n"),
      4, 11, "net.gateway", "own address");
  // Bad CIDRs.
  for (const char* bad : {"10.99.0.2", "10.99.0.256/24", "10.99.0/24", "10.99.0.2/33", "a.b.c.d/8",
                          "10.99.0.2/", "010.99.0.2/24", "10.99.0.2/0"}) {
    INFO(bad);
    ConfigError e = ParseAppError(std::string("[net]\nmode = \"bypass\"\naddress = \"") + bad + "\"\n");
    CHECK(e.line == 3);
    CHECK(e.column == 11);
    CHECK(e.key == "net.address");
  }
  CHECK_CONFIG_ERROR(ParseAppError("[net]\nmode = \"bypass\"\naddress = \"10.99.0.0/24\"\n"), 3, 11,
                     "net.address", "network or broadcast");
  CHECK_CONFIG_ERROR(ParseAppError("[net]\nmode = \"bypass\"\naddress = \"10.99.0.2/24\"\ngateway = \"x\"\n"),
                     4, 11, "net.gateway", "not an IPv4 address");
  // Host mode shares the host's addresses.
  CHECK_CONFIG_ERROR(ParseAppError("[net]\naddress = \"10.99.0.2/24\"\n"), 2, 11, "net.address",
                     "only used when net.mode = \"bypass\"");
  // /32 and /31 are fine.
  CHECK(ParseAppOk("[net]\nmode = \"bypass\"\naddress = \"10.1.2.3/32\"\n").net.address->prefix == 32);
}

TEST_CASE("app config: mounts") {
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\n"
                                   "[[fs.mounts]]\ntype = \"tmpfs\"\ntarget = \"/t/\"\n"),
                     6, 10, "fs.mounts[1].target", "already the target of an earlier mount");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"bind\"\ntarget = \"/d\"\nsource = \"rel\"\n"),
                     4, 10, "fs.mounts[0].source", "not an absolute path");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"tmpfs\"\ntarget = \"d\"\n"), 3, 10,
                     "fs.mounts[0].target", "not an absolute path");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"bind\"\ntarget = \"/d\"\n"), 1, 1,
                     "fs.mounts[0].source", "required for bind mounts");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntarget = \"/d\"\n"), 1, 1, "fs.mounts[0].type",
                     "required");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"tmpfs\"\ntarget = \"/d\"\nsource = \"/x\"\n"),
                     4, 10, "fs.mounts[0].source", "only used by bind mounts");
  CHECK_CONFIG_ERROR(
      ParseAppError("[[fs.mounts]]\ntype = \"bind\"\ntarget = \"/d\"\nsource = \"/x\"\nsize = 1\n"), 5,
      8, "fs.mounts[0].size", "only used by tmpfs mounts");
  CHECK_CONFIG_ERROR(ParseAppError("[[fs.mounts]]\ntype = \"tmpfs\"\ntarget = \"/\"\n"), 3, 10,
                     "fs.mounts[0].target", "set fs.root instead");
  CHECK_CONFIG_ERROR(ParseAppError("[fs]\nroot = \"srv\"\n"), 2, 8, "fs.root", "absolute path");
  CHECK_CONFIG_ERROR(ParseAppError("workdir = \"x\"\n"), 1, 11, "workdir", "absolute path");
}

TEST_CASE("app config: daemon socket") {
  CHECK_CONFIG_ERROR(ParseAppError("[daemon]\nsocket = \"s.sock\"\n"), 2, 10, "daemon.socket",
                     "absolute path");
  CHECK_CONFIG_ERROR(ParseAppError("[daemon]\nsocket = \"/" + std::string(120, 's') + "\"\n"), 2, 10,
                     "daemon.socket", "too long");
}

TEST_CASE("app config: error format") {
  ConfigError e;
  e.file = "a.toml";
  e.line = 3;
  e.column = 7;
  e.key = "cpu.max_cores";
  e.message = "bad";
  CHECK(e.ToString() == "a.toml:3:7: cpu.max_cores: bad");
  e.line = 0;
  e.origin = "--set cpu.max_cores";
  CHECK(e.ToString() == "a.toml: --set cpu.max_cores: bad");
  e.origin = "--set net.mode";
  e.key = "net.address";
  CHECK(e.ToString() == "a.toml: --set net.mode: net.address: bad");
  e.origin.clear();
  e.key.clear();
  CHECK(e.ToString() == "a.toml: bad");
}

TEST_CASE("app config: LoadAppConfig reports unreadable files") {
  auto cfg = LoadAppConfig("/nonexistent/junction-app.toml");
  REQUIRE_FALSE(cfg.ok());
  CHECK(cfg.error().file == "/nonexistent/junction-app.toml");
  CHECK(Contains(cfg.error().message, "cannot open"));
}

}  // namespace
}  // namespace junction::config
