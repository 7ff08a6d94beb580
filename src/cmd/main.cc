// `junction`: one static binary, several subcommands (see docs/cli.md).
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "config/config_error.h"

namespace {

constexpr const char* kDescription =
    "Junction: a datacenter operating system built on kernel bypass.\n"
    "Runs unmodified Linux binaries in a library OS with user-level threads\n"
    "and networking; a core scheduler daemon grants cores at microsecond\n"
    "granularity.";

}  // namespace

int main(int argc, char** argv) {
  using namespace junction::cmd;
  CLI::App app{kDescription, "junction"};
  app.set_version_flag("--version", std::string("junction ") + JUNCTION_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  struct Entry {
    const char* name;
    const char* help;
    Runner (*setup)(CLI::App*);
  };
  const Entry entries[] = {
      {"run", "Run CMD as a container under the library OS", SetupRun},
      {"daemon", "Run the core scheduler daemon", SetupDaemon},
      {"ps", "List running containers", SetupPs},
      {"bench", "Run microbenchmarks natively and under the library OS", SetupBench},
      {"config", "Validate configuration files", SetupConfig},
  };
  Runner selected;
  for (const Entry& e : entries) {
    CLI::App* sub = app.add_subcommand(e.name, e.help);
    Runner r = e.setup(sub);
    sub->final_callback([&selected, r] { selected = r; });
  }

  std::vector<std::string> args = InsertDefaultRunConfig({argv, argv + argc});
  // CLI11 takes the arguments in reverse order, without the program name.
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; everything else is a usage error.
    return rc == 0 ? 0 : junction::config::kExitUsage;
  }
  return selected ? selected() : junction::config::kExitUsage;
}
