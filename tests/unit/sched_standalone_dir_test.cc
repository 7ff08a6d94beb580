// StandaloneDir (sched/standalone_registry.h): a standalone container
// registers beside its control socket, in the socket's directory's
// "standalone"; a socket with no directory, or in "/", uses the per-user
// fallback (never a directory in the filesystem root). Registration makes
// no missing parent of the socket's directory.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "config/app_config.h"
#include "sched/standalone_registry.h"

using junction::sched::RegisterStandalone;
using junction::sched::StandaloneDir;
using junction::sched::StandaloneFallbackDir;
using junction::sched::UnregisterStandalone;

TEST_CASE("StandaloneDir: beside the socket, or the fallback for none or the root") {
  CHECK(StandaloneDir("/run/junction/control.sock") == "/run/junction/standalone");
  CHECK(StandaloneDir("rel/control.sock") == "rel/standalone");
  CHECK(StandaloneDir("/control.sock") == StandaloneFallbackDir());
  CHECK(StandaloneDir("control.sock") == StandaloneFallbackDir());
  CHECK(StandaloneFallbackDir() == "/tmp/junction-" + std::to_string(getuid()) + "/standalone");
}

TEST_CASE("RegisterStandalone: a socket in a missing directory registers in the fallback") {
  std::string missing = "/tmp/junction-unit-no-such-dir-" + std::to_string(getpid());
  junction::config::AppConfig cfg;
  cfg.daemon_socket = missing + "/sub/control.sock";
  std::string file = RegisterStandalone(cfg, {"prog"});
  REQUIRE(!file.empty());
  CHECK(file.rfind(StandaloneFallbackDir() + "/", 0) == 0);
  struct stat st;
  CHECK(stat(missing.c_str(), &st) != 0);  // not created
  UnregisterStandalone();
  CHECK(access(file.c_str(), F_OK) != 0);
}
