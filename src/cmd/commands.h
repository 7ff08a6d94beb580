// Entry points of the subcommands; each lives in its own cmd_*.cc and
// registers its CLI11 options on the given subcommand.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace junction::cmd {

// Each Setup* adds options to `sub` and returns the function that runs the
// subcommand once parsing succeeded; it returns the process exit code.
using Runner = std::function<int()>;

Runner SetupRun(CLI::App* sub);

// `junction run -- CMD` (no config file before `--`) runs CMD on the
// embedded default config: inserts its marker into the argument list.
extern const char* const kEmbeddedDefault;
std::vector<std::string> InsertDefaultRunConfig(std::vector<std::string> args);
Runner SetupDaemon(CLI::App* sub);
Runner SetupPs(CLI::App* sub);
Runner SetupBench(CLI::App* sub);
Runner SetupConfig(CLI::App* sub);

}  // namespace junction::cmd
