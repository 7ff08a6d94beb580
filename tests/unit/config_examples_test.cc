// The shipped example configs (packaging/examples/*.toml) pass validation,
// and minimal.toml is the embedded default.
#include <doctest/doctest.h>

#include <string>

#include "config/app_config.h"
#include "config/config_check.h"
#include "config/daemon_config.h"

namespace junction::config {
namespace {

// The build passes JUNCTION_SOURCE_DIR; without it, find the tree from this
// file's own path (tests/unit/config_examples_test.cc).
std::string ExamplePath(const char* name) {
#ifdef JUNCTION_SOURCE_DIR
  std::string root = JUNCTION_SOURCE_DIR;
#else
  std::string root = __FILE__;
  root = root.substr(0, root.rfind("/tests/unit/"));
#endif
  return root + "/packaging/examples/" + name;
}

TEST_CASE("example minimal.toml is the embedded default") {
  auto cfg = LoadAppConfig(ExamplePath("minimal.toml"));
  INFO((cfg.ok() ? std::string() : cfg.error().ToString()));
  REQUIRE(cfg.ok());
  CHECK(ToToml(cfg.value()) == ToToml(DefaultAppConfig()));
  CHECK(cfg.value().net.mode == NetMode::kHost);
}

TEST_CASE("example bypass.toml: bypass network through the daemon") {
  auto cfg = LoadAppConfig(ExamplePath("bypass.toml"));
  INFO((cfg.ok() ? std::string() : cfg.error().ToString()));
  REQUIRE(cfg.ok());
  CHECK(cfg.value().net.mode == NetMode::kBypass);
  CHECK(cfg.value().net.address->ToString() == "10.99.0.2/24");
  CHECK(cfg.value().net.gateway == 0x0a630001u);
}

TEST_CASE("example daemon.toml: TAP NIC, adaptive polling") {
  auto cfg = LoadDaemonConfig(ExamplePath("daemon.toml"));
  INFO((cfg.ok() ? std::string() : cfg.error().ToString()));
  REQUIRE(cfg.ok());
  CHECK(cfg.value().nic.kind == NicKind::kTap);
  CHECK(cfg.value().nic.interface == "jtap0");
  CHECK(cfg.value().nic.host_address == 0x0a630001u);
  CHECK(cfg.value().nic.host_prefix == 24);
  CHECK(cfg.value().polling == PollingMode::kAdaptive);
}

TEST_CASE("every example passes `config check` with the detected kind") {
  for (const char* name : {"minimal.toml", "bypass.toml", "daemon.toml"}) {
    INFO(name);
    ConfigCheckRequest request;
    request.path = ExamplePath(name);
    ConfigCheckOutcome out = CheckConfig(request);
    INFO(out.error);
    CHECK(out.exit_code == 0);
    CHECK(out.error.empty());
    CHECK(out.output.find(std::string(name) == "daemon.toml" ? "[control]" : "[cpu]") !=
          std::string::npos);
  }
}

}  // namespace
}  // namespace junction::config
