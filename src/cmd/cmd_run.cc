// `junction run APP.toml [--strace] [--set K=V]... -- CMD ARGS...`
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "config/app_config.h"
#include "libos/entry/seccomp.h"
#include "libos/libos.h"
#include "libos/syscalls/syscall_table.h"
#include "net/dpdk_unused_tables.h"

namespace junction::cmd {

const char* const kEmbeddedDefault = "@default";

std::vector<std::string> InsertDefaultRunConfig(std::vector<std::string> args) {
  if (args.size() < 2 || args[1] != "run") return args;
  for (size_t i = 2; i < args.size(); i++) {
    const std::string& t = args[i];
    if (t == "--") {
      args.insert(args.begin() + static_cast<long>(i), kEmbeddedDefault);
      return args;
    }
    if (t == "--set" || t == "--strace-file") {
      i++;  // skip the option's value
      continue;
    }
    if (!t.empty() && t[0] == '-') continue;
    return args;  // a config file was given
  }
  return args;
}

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
  // An empty path gives the embedded defaults, still with JUNCTION_SOCKET
  // and --set applied.
  auto cfg = config::LoadAppConfig(a.config_path == kEmbeddedDefault ? "" : a.config_path, overrides);
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
  // This process becomes the container's first LibOS process, and every
  // other one is a fork of it: none brings DPDK up.
  net::ReleaseUnusedDpdkTables();
  return libos::RunGuest(cfg.value(), a.command, opts);
}

}  // namespace

Runner SetupRun(CLI::App* sub) {
  auto a = std::make_shared<RunArgs>();
  sub->add_option("config", a->config_path,
                  "App config (TOML; see docs/configuration.md). Omit it (`junction run -- CMD`)\n"
                  "to use the embedded default: standalone, host network, 1 core")
      ->required();
  sub->add_option("--set", a->sets, "Override one config value: KEY=VALUE (dotted TOML path)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // repeatable, one KEY=VALUE each (not greedy)
  sub->add_flag("--strace", a->strace, "Log each guest system call to stderr (strace format)");
  sub->add_option("--strace-file", a->strace_file, "Log system calls to FILE instead of stderr");
  // Runs while parsing, so neither a config nor a command is needed.
  sub->add_flag_callback(
         "--list-syscalls",
         [] {
           libos::PrintSyscallTable(1);
           std::exit(0);
         },
         "Print the system call table (docs/syscalls.md) and exit")
      ->trigger_on_parse();
  sub->add_flag_callback(
         "--list-host-calls",
         [] {
           libos::PrintHostCallAllowList(1);
           std::exit(0);
         },
         "Print the host system calls the LibOS may make (docs/security.md) and exit")
      ->trigger_on_parse();
  sub->add_option("command", a->command, "The program to run and its arguments (after --)")
      ->required();
  sub->positionals_at_end(false);
  sub->footer("Example: junction run /usr/share/junction/examples/minimal.toml -- ls -la /");
  return [a] { return DoRun(*a); };
}

}  // namespace junction::cmd
