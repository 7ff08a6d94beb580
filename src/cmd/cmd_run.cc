// `junction run APP.toml [--strace] [--set K=V]... -- CMD ARGS...`
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "config/app_config.h"
#include "libos/libos.h"

namespace junction::cmd {

namespace {

struct RunArgs {
  std::string config_path;
  std::vector<std::string> sets;
  bool strace = false;
  std::string strace_file;
  std::vector<std::string> command;
};

int DoRun(const RunArgs& a) {
  std::vector<config::Override> overrides;
  for (const std::string& s : a.sets) {
    config::Override o;
    if (!config::ParseOverride(s, &o)) {
      std::fprintf(stderr, "junction run: --set expects KEY=VALUE, got '%s'\n", s.c_str());
      return config::kExitUsage;
    }
    overrides.push_back(o);
  }
  auto cfg = config::LoadAppConfig(a.config_path, overrides);
  if (!cfg) {
    std::fprintf(stderr, "junction run: %s\n", cfg.error().ToString().c_str());
    return config::kExitUsage;
  }
  if (a.command.empty()) {
    std::fprintf(stderr, "junction run: no command given (usage: junction run APP.toml -- CMD ARGS...)\n");
    return config::kExitUsage;
  }
  libos::RunOptions opts;
  opts.strace = a.strace || !a.strace_file.empty();
  opts.strace_file = a.strace_file;
  return libos::RunGuest(cfg.value(), a.command, opts);
}

}  // namespace

Runner SetupRun(CLI::App* sub) {
  auto a = std::make_shared<RunArgs>();
  sub->add_option("config", a->config_path, "App config (TOML); see docs/configuration.md")
      ->required();
  sub->add_option("--set", a->sets, "Override one config value: KEY=VALUE (dotted TOML path)")
      ->type_name("KEY=VALUE");
  sub->add_flag("--strace", a->strace, "Log each guest system call to stderr (strace format)");
  sub->add_option("--strace-file", a->strace_file, "Log system calls to FILE instead of stderr");
  sub->add_option("command", a->command, "The program to run and its arguments (after --)")
      ->required();
  sub->positionals_at_end(false);
  sub->footer("Example: junction run /usr/share/junction/examples/minimal.toml -- ls -la /");
  return [a] { return DoRun(*a); };
}

}  // namespace junction::cmd
