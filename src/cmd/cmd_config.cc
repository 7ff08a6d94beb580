// `junction config check FILE [--kind app|daemon] [--set K=V]...`
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "config/config_check.h"
#include "config/config_error.h"

namespace junction::cmd {

namespace {

struct CheckArgs {
  std::string path;
  std::string kind;  // "", "app" or "daemon"
  std::vector<std::string> sets;
};

int DoCheck(const CheckArgs& a) {
  config::ConfigCheckRequest request;
  request.path = a.path;
  if (a.kind == "app") request.kind = config::ConfigKind::kApp;
  if (a.kind == "daemon") request.kind = config::ConfigKind::kDaemon;
  request.sets = a.sets;
  config::ConfigCheckOutcome outcome = config::CheckConfig(request);
  std::fputs(outcome.output.c_str(), stdout);
  if (!outcome.error.empty()) {
    std::fprintf(stderr, "junction config check: %s", outcome.error.c_str());
  }
  return outcome.exit_code;
}

}  // namespace

Runner SetupConfig(CLI::App* sub) {
  sub->require_subcommand(1);
  CLI::App* check = sub->add_subcommand(
      "check", "Validate an app or daemon config and print the effective config (TOML)");
  auto a = std::make_shared<CheckArgs>();
  check->add_option("file", a->path, "The TOML file to check")->required();
  check->add_option("--kind", a->kind,
                    "app or daemon; by default a file with any of control, polling, nic, "
                    "cores, tick_us, hugepages or log_level at the top level is a daemon config")
      ->check(CLI::IsMember({"app", "daemon"}));
  check->add_option("--set", a->sets, "Override one config value: KEY=VALUE (dotted TOML path)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // repeatable, one KEY=VALUE each (not greedy)
  check->footer(
      "Exit status: 0 if valid (effective config on stdout), 2 on any error "
      "(FILE:LINE:COL: KEY: MESSAGE on stderr).\n"
      "Example: junction config check /etc/junction/daemon.toml --set polling=busy");
  return [a, check]() -> int {
    if (check->parsed()) return DoCheck(*a);
    return config::kExitUsage;
  };
}

}  // namespace junction::cmd
