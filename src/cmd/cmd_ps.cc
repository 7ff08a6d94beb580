// `junction ps [--json] [--watch]`: lists containers known to the daemon.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cmd/commands.h"

namespace junction::cmd {

namespace {

struct PsArgs {
  bool json = false;
  bool watch = false;
};

std::string SocketPath() {
  const char* env = std::getenv("JUNCTION_SOCKET");
  return env && *env ? env : "/run/junction/control.sock";
}

bool DaemonReachable(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

int DoPs(const PsArgs& a) {
  std::string path = SocketPath();
  if (!DaemonReachable(path)) {
    std::fprintf(stderr,
                 "junction ps: no daemon is running at %s\n"
                 "Start one with `junction daemon --config /etc/junction/daemon.toml`\n"
                 "(or `systemctl start junction-daemon`), or set JUNCTION_SOCKET.\n",
                 path.c_str());
    return 1;
  }
  (void)a;
  std::fprintf(stderr, "junction ps: the daemon at %s does not speak the status protocol yet\n",
               path.c_str());
  return 1;
}

}  // namespace

Runner SetupPs(CLI::App* sub) {
  auto a = std::make_shared<PsArgs>();
  sub->add_flag("--json", a->json, "Print a JSON array of containers");
  sub->add_flag("--watch", a->watch, "Refresh continuously, like top");
  return [a] { return DoPs(*a); };
}

}  // namespace junction::cmd
