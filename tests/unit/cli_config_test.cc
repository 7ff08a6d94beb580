// `junction config check` command-line parsing and behaviour.
// Links src/cmd/cmd_config.cc (SetupConfig) and CLI11.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "config/config_check.h"
#include "config/config_error.h"

namespace junction {
namespace {

// Sends stdout and stderr to /dev/null for one scope, so that the
// command's output does not clutter the test log.
class QuietOutput {
 public:
  QuietOutput() {
    std::fflush(stdout);
    std::fflush(stderr);
    saved_out_ = dup(STDOUT_FILENO);
    saved_err_ = dup(STDERR_FILENO);
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    close(null_fd);
  }
  ~QuietOutput() {
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(saved_out_, STDOUT_FILENO);
    dup2(saved_err_, STDERR_FILENO);
    close(saved_out_);
    close(saved_err_);
  }

 private:
  int saved_out_;
  int saved_err_;
};

// Parses argv ("config", "check", ...) as main() does and runs the command.
// Returns the exit code.
int RunConfigCommand(std::vector<std::string> args) {
  QuietOutput quiet;
  CLI::App app{"test", "junction"};
  app.require_subcommand(1);
  CLI::App* sub = app.add_subcommand("config", "Validate configuration files");
  cmd::Runner runner = cmd::SetupConfig(sub);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? 0 : config::kExitUsage;
  }
  return runner();
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/junction-cli-test-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

TEST_CASE("config check: exit codes") {
  const std::string good = WriteTemp("good.toml", "name = \"x\"\n");
  const std::string bad = WriteTemp("bad.toml", "[cpu]\nmax_cores = 0\n");
  CHECK(RunConfigCommand({"config", "check", good}) == 0);
  CHECK(RunConfigCommand({"config", "check", bad}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check", good, "--set", "cpu.max_cores=2"}) == 0);
  CHECK(RunConfigCommand({"config", "check", good, "--set", "cpu.max_cores=0"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check", good, "--set", "nokey"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check", good, "--kind", "daemon"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check", good, "--kind", "app"}) == 0);
  CHECK(RunConfigCommand({"config", "check", good, "--kind", "other"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check", "/nonexistent.toml"}) == config::kExitUsage);
  CHECK(RunConfigCommand({"config", "check", "--help"}) == 0);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("config check: output and errors") {
  const std::string daemon = WriteTemp("d.toml", "polling = \"busy\"\n");
  config::ConfigCheckRequest request;
  request.path = daemon;
  config::ConfigCheckOutcome out = config::CheckConfig(request);
  CHECK(out.exit_code == 0);
  CHECK(out.output.find("polling = \"busy\"") != std::string::npos);
  CHECK(out.output.find("[control]\nsocket = ") != std::string::npos);

  request.sets = {"tick_us=0"};
  out = config::CheckConfig(request);
  CHECK(out.exit_code == config::kExitUsage);
  CHECK(out.output.empty());
  CHECK(out.error == daemon + ": --set tick_us: 0 is out of range; allowed: 1..100000\n");

  request.sets = {"=3"};
  out = config::CheckConfig(request);
  CHECK(out.exit_code == config::kExitUsage);
  CHECK(out.error.find("KEY=VALUE") != std::string::npos);
  std::remove(daemon.c_str());
}

}  // namespace
}  // namespace junction
