// --set KEY=VALUE overrides and the JUNCTION_SOCKET environment variable.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include "config/app_config.h"
#include "config/daemon_config.h"
#include "config/socket_path.h"
#include "config_test_helpers.h"

namespace junction::config {
namespace {

using testing::Contains;
using testing::ParseAppError;
using testing::ParseAppOk;
using testing::Sets;

TEST_CASE("ParseOverride splits KEY=VALUE") {
  Override o;
  CHECK(ParseOverride("net.address=10.99.0.2/24", &o));
  CHECK(o.key == "net.address");
  CHECK(o.value == "10.99.0.2/24");
  CHECK(ParseOverride("env.vars.X=a=b", &o));
  CHECK(o.key == "env.vars.X");
  CHECK(o.value == "a=b");
  CHECK(ParseOverride("name=", &o));
  CHECK(o.value.empty());
  CHECK_FALSE(ParseOverride("name", &o));
  CHECK_FALSE(ParseOverride("=x", &o));
  CHECK_FALSE(ParseOverride("", &o));
}

TEST_CASE("--set values are TOML, or strings when they do not parse") {
  AppConfig c = ParseAppOk("", Sets({"cpu.max_cores=4", "net.mode=bypass",
                                     "net.address=10.99.0.2/24", "env.inherit=false",
                                     "name=\"quoted\"", "env.vars.GREETING=hello world",
                                     "limits.memory=512M"}));
  CHECK(c.cpu.max_cores == 4);
  CHECK(c.net.mode == NetMode::kBypass);
  CHECK(c.net.address->ToString() == "10.99.0.2/24");
  CHECK_FALSE(c.env.inherit);
  CHECK(c.name == "quoted");
  CHECK(c.env.vars.at("GREETING") == "hello world");
  CHECK(c.limits.memory_bytes == 512ull << 20);
  // Arrays of tables can be replaced whole.
  c = ParseAppOk("", Sets({"fs.mounts=[{type=\"tmpfs\", target=\"/t\"}]"}));
  REQUIRE(c.fs.mounts.size() == 1);
  CHECK(c.fs.mounts[0].target == "/t");
}

TEST_CASE("--set replaces file values, later --set wins") {
  AppConfig c = ParseAppOk("[cpu]\nmax_cores = 2\n", Sets({"cpu.max_cores=8", "cpu.max_cores=6"}));
  CHECK(c.cpu.max_cores == 6);
}

TEST_CASE("--set is validated like the file and errors name the override") {
  ConfigError e = ParseAppError("", Sets({"net.mode=bypass", "net.address=10.99.0.2/33"}));
  CHECK(e.line == 0);
  CHECK(e.key == "net.address");
  CHECK(e.origin == "--set net.address");
  CHECK(e.ToString() == "app.toml: --set net.address: \"10.99.0.2/33\": prefix length \"33\" is "
                        "not allowed; allowed: 0..32");

  e = ParseAppError("", Sets({"cpu.max_cores=abc"}));
  CHECK(e.origin == "--set cpu.max_cores");
  CHECK(Contains(e.message, "expected an integer, got a string"));

  e = ParseAppError("", Sets({"cpu.max_cores=999"}));
  CHECK(Contains(e.message, "allowed: 1..256"));

  e = ParseAppError("", Sets({"cpu.bogus=1"}));
  CHECK(e.origin == "--set cpu.bogus");
  CHECK(Contains(e.message, "unknown key \"bogus\""));

  e = ParseAppError("", Sets({"bogus.deep.key=1"}));
  CHECK(e.key == "bogus");
  CHECK(e.origin == "--set bogus.deep.key");

  // The requirement comes from the overridden mode.
  e = ParseAppError("", Sets({"net.mode=bypass"}));
  CHECK(e.key == "net.address");
  CHECK(e.origin == "--set net.mode");
  CHECK(Contains(e.ToString(), "app.toml: --set net.mode: net.address: required"));

  // A file value that conflicts with an override is reported where it is.
  e = ParseAppError("[cpu]\nguaranteed_cores = 2\n", Sets({"cpu.max_cores=1"}));
  CHECK(e.line == 2);
  CHECK(e.key == "cpu.guaranteed_cores");

  // Gateway from the file, address from --set: the gateway is checked.
  e = ParseAppError("[net]\nmode = \"bypass\"\naddress = \"10.99.0.2/24\"\ngateway = \"10.99.0.1\"\n",
                    Sets({"net.address=10.1.0.2/24"}));
  CHECK(e.line == 4);
  CHECK(e.key == "net.gateway");
}

TEST_CASE("--set paths must be dotted keys into tables") {
  ConfigError e = ParseAppError("", Sets({"net..mode=host"}));
  CHECK(e.origin == "--set net..mode");
  CHECK(Contains(e.message, "not a dotted key path"));
  e = ParseAppError("", Sets({"fs.mounts=[]", "fs.mounts.target=/x"}));
  CHECK(Contains(e.message, "cannot index into arrays"));
  e = ParseAppError("name = \"x\"\n", Sets({"name.first=y"}));
  CHECK(Contains(e.message, "not a table"));
}

// Sets JUNCTION_SOCKET for one scope.
class ScopedSocketEnv {
 public:
  explicit ScopedSocketEnv(const char* value) {
    if (const char* old = std::getenv(kSocketEnvVar)) saved_ = old;
    setenv(kSocketEnvVar, value, 1);
  }
  ~ScopedSocketEnv() {
    if (saved_.empty()) {
      unsetenv(kSocketEnvVar);
    } else {
      setenv(kSocketEnvVar, saved_.c_str(), 1);
    }
  }

 private:
  std::string saved_;
};

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/junction-config-test-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

TEST_CASE("JUNCTION_SOCKET overrides the socket in Load*, below --set") {
  const std::string app = WriteTempFile("app.toml", "[daemon]\nsocket = \"/from/file\"\n");
  const std::string daemon = WriteTempFile("daemon.toml", "[control]\nsocket = \"/from/file\"\n");
  {
    ScopedSocketEnv env("/from/env.sock");
    CHECK(ControlSocketPath() == "/from/env.sock");
    auto a = LoadAppConfig(app);
    REQUIRE(a.ok());
    CHECK(a.value().daemon_socket == "/from/env.sock");
    auto d = LoadDaemonConfig(daemon);
    REQUIRE(d.ok());
    CHECK(d.value().control_socket == "/from/env.sock");
    // --set wins over the environment.
    a = LoadAppConfig(app, Sets({"daemon.socket=/from/set"}));
    REQUIRE(a.ok());
    CHECK(a.value().daemon_socket == "/from/set");
  }
  {
    ScopedSocketEnv env("relative.sock");
    auto d = LoadDaemonConfig(daemon);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().origin == "JUNCTION_SOCKET");
    CHECK(d.error().key == "control.socket");
    CHECK(Contains(d.error().ToString(), "JUNCTION_SOCKET: control.socket: \"relative.sock\" is not"));
  }
  {
    // A value that looks like TOML is still taken as a path.
    ScopedSocketEnv env("/tmp/1");
    auto a = LoadAppConfig(app);
    REQUIRE(a.ok());
    CHECK(a.value().daemon_socket == "/tmp/1");
  }
  {
    // No file (e.g. `junction daemon` without --config): defaults, but
    // still the environment and --set.
    ScopedSocketEnv env("/from/env.sock");
    auto d = LoadDaemonConfig("", Sets({"polling=busy"}));
    REQUIRE(d.ok());
    CHECK(d.value().source_path == "<default>");
    CHECK(d.value().control_socket == "/from/env.sock");
    CHECK(d.value().polling == PollingMode::kBusy);
    auto a = LoadAppConfig("");
    REQUIRE(a.ok());
    CHECK(a.value().daemon_socket == "/from/env.sock");
  }
  unsetenv(kSocketEnvVar);
  auto a = LoadAppConfig(app);
  REQUIRE(a.ok());
  CHECK(a.value().daemon_socket == "/from/file");
  std::remove(app.c_str());
  std::remove(daemon.c_str());
}

}  // namespace
}  // namespace junction::config
