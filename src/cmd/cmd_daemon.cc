// `junction daemon [--config FILE] [--set K=V]...`: the core scheduler
// (docs/daemon.md). Runs until SIGINT or SIGTERM.
#include <cstdio>
#include <cstdlib>

#include "cmd/commands.h"
#include "config/daemon_config.h"
#include "sched/daemon.h"
#include "sched/policy.h"

namespace junction::cmd {

namespace {

struct DaemonArgs {
  std::string config_path;  // empty: every key has its default
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
  sched::Daemon daemon(cfg.value(), sched::MakeDefaultPolicy());
  std::string why;
  if (!daemon.Start(&why)) {
    std::fprintf(stderr, "junction daemon: %s\n", why.c_str());
    return 1;
  }
  return daemon.Run();
}

}  // namespace

Runner SetupDaemon(CLI::App* sub) {
  auto a = std::make_shared<DaemonArgs>();
  sub->add_option("--config", a->config_path,
                  "Daemon config (TOML); without it every key has its default\n"
                  "(the systemd unit passes /etc/junction/daemon.toml)");
  sub->add_option("--set", a->sets, "Override one config value: KEY=VALUE")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // repeatable, one KEY=VALUE each (not greedy)
  return [a] { return DoDaemon(*a); };
}

}  // namespace junction::cmd
