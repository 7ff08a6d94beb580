// `junction daemon [--config FILE] [--set K=V]...`: the core scheduler
// (docs/daemon.md). Runs until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "cmd/commands.h"
#include "config/daemon_config.h"
#include "net/dpdk_nic.h"
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
  std::unique_ptr<net::NicPort> nic;
  if (cfg.value().nic.kind != config::NicKind::kNone) {
    // The EAL starts threads: they must inherit the mask the daemon's
    // signalfd relies on, or SIGTERM would kill us without clean-up.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    std::string why, log;
    nic = net::OpenDpdkNic(cfg.value(), &why, &log);
    if (nic == nullptr) {
      std::fprintf(stderr, "junction daemon: nic: %s\n", why.c_str());
      return 1;
    }
    std::fprintf(stderr, "junction daemon: info: nic: %s\n", log.c_str());
  }
  sched::Daemon daemon(cfg.value(), sched::MakeDefaultPolicy(), std::move(nic));
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
