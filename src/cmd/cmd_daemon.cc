// `junction daemon [--config FILE] [--set K=V]...`
// The core scheduler. Until the daemon issue lands it validates its
// configuration and says plainly that scheduling is not available yet.
#include <cstdio>
#include <cstdlib>

#include "cmd/commands.h"
#include "config/daemon_config.h"

namespace junction::cmd {

namespace {

struct DaemonArgs {
  std::string config_path = "/etc/junction/daemon.toml";
  std::vector<std::string> sets;
};

int DoDaemon(const DaemonArgs& a) {
  std::vector<config::Override> overrides;
  for (const std::string& s : a.sets) {
    config::Override o;
    if (!config::ParseOverride(s, &o)) {
      std::fprintf(stderr, "junction daemon: --set expects KEY=VALUE, got '%s'\n", s.c_str());
      return config::kExitUsage;
    }
    overrides.push_back(o);
  }
  auto cfg = config::LoadDaemonConfig(a.config_path, overrides);
  if (!cfg) {
    std::fprintf(stderr, "junction daemon: %s\n", cfg.error().ToString().c_str());
    return config::kExitUsage;
  }
  std::fprintf(stderr,
               "junction daemon: configuration %s is valid, but core scheduling and the NIC\n"
               "are not implemented in this version; containers run standalone.\n",
               a.config_path.c_str());
  return 1;
}

}  // namespace

Runner SetupDaemon(CLI::App* sub) {
  auto a = std::make_shared<DaemonArgs>();
  sub->add_option("--config", a->config_path, "Daemon config (TOML)")->capture_default_str();
  sub->add_option("--set", a->sets, "Override one config value: KEY=VALUE")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // repeatable, one KEY=VALUE each (not greedy)
  return [a] { return DoDaemon(*a); };
}

}  // namespace junction::cmd
