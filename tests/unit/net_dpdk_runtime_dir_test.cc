// SweepStaleDpdkRuntimeDirs (net/dpdk_runtime_dir.h): the EAL's runtime
// directories of dead daemons (junction-PID, pid gone) are removed with
// their files; a live pid's, and names not of that form, are kept.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "net/dpdk_runtime_dir.h"

using junction::net::DpdkFilePrefix;
using junction::net::RemoveDpdkRuntimeDir;
using junction::net::SweepStaleDpdkRuntimeDirs;

namespace {
void MakeWithFile(const std::string& dir) {
  REQUIRE(mkdir(dir.c_str(), 0700) == 0);
  int fd = open((dir + "/config").c_str(), O_WRONLY | O_CREAT, 0600);
  REQUIRE(fd >= 0);
  close(fd);
}
bool Exists(const std::string& p) { return access(p.c_str(), F_OK) == 0; }
}  // namespace

TEST_CASE("SweepStaleDpdkRuntimeDirs: dead pids' directories go, the rest stay") {
  char tmpl[] = "/tmp/junction-unit-dpdk.XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string parent = tmpl;
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  REQUIRE(waitpid(dead, nullptr, 0) == dead);  // reaped: kill(dead, 0) gives ESRCH
  std::string gone = parent + "/" + DpdkFilePrefix(dead);
  std::string live = parent + "/" + DpdkFilePrefix(getpid());
  std::string other = parent + "/rte";
  std::string odd = parent + "/junction-" + std::to_string(dead) + "x";
  MakeWithFile(gone);
  MakeWithFile(live);
  MakeWithFile(other);
  MakeWithFile(odd);
  SweepStaleDpdkRuntimeDirs(parent);
  CHECK(!Exists(gone));
  CHECK(Exists(live + "/config"));
  CHECK(Exists(other));
  CHECK(Exists(odd));
  for (const std::string& d : {live, other, odd}) RemoveDpdkRuntimeDir(d);
  CHECK(!Exists(live));
  CHECK(rmdir(parent.c_str()) == 0);  // nothing else was left
}
