// `junction ps [--json] [--watch]`: containers registered with the daemon
// (STATUS on the control socket) and standalone ones (their state
// directory). Formats: docs/cli.md.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "cmd/ps_processes.h"
#include "config/socket_path.h"
#include "sched/control_message.h"
#include "sched/standalone_registry.h"
#include "sched/status_format.h"
#include "sched/unix_socket.h"

namespace junction::cmd {

namespace {

struct PsArgs {
  bool json = false;
  bool watch = false;
};

enum class DaemonAnswer { kRows, kNotRunning, kBadReply };

// A loaded host can delay the daemon's answer by seconds (2 s ran out
// under load in daemon.containers); a stopped daemon still ends here.
constexpr int kStatusTimeoutMs = 10000;

DaemonAnswer FetchDaemonStatus(const std::string& path, std::vector<sched::ContainerStatus>* rows) {
  std::string why;
  int sock = sched::ConnectControlSocket(path, &why);
  if (sock < 0) return DaemonAnswer::kNotRunning;
  std::vector<uint8_t> frame = sched::EncodeStatusRequest();
  sched::InputBuffer in;
  std::vector<uint8_t> payload;
  bool ok = sched::SendFrame(sock, frame, {}) &&
            sched::ReadFrameBlocking(sock, &in, &payload, kStatusTimeoutMs) &&
            sched::DecodeStatusReply(payload, rows);
  close(sock);
  return ok ? DaemonAnswer::kRows : DaemonAnswer::kBadReply;
}

// One snapshot: prints it and returns the exit status it deserves.
int ShowOnce(const PsArgs& a, const std::string& path) {
  std::vector<sched::ContainerStatus> rows;
  DaemonAnswer daemon = FetchDaemonStatus(path, &rows);
  if (daemon == DaemonAnswer::kBadReply) {
    std::fprintf(stderr, "junction ps: the daemon at %s sent no valid status reply (another version?)\n",
                 path.c_str());
    return 1;
  }
  std::vector<sched::ContainerStatus> standalone = sched::ListStandalone(path);
  std::sort(standalone.begin(), standalone.end(),
            [](const auto& x, const auto& y) { return x.started_unix_ns < y.started_unix_ns; });
  rows.insert(rows.end(), standalone.begin(), standalone.end());
  for (sched::ContainerStatus& s : rows) {
    if (s.pids.empty()) continue;
    s.processes = ReadContainerProcesses(s.pids[0]);
    // The container's other live processes (forked children) are its host
    // pids too: the daemon knows only the one that registered.
    for (const sched::ProcessStatus& p : s.processes)
      if (p.host_pid > 0 && p.state == "running" &&
          std::find(s.pids.begin(), s.pids.end(), p.host_pid) == s.pids.end())
        s.pids.push_back(p.host_pid);
  }
  uint64_t now = sched::UnixNowNs();
  if (daemon == DaemonAnswer::kNotRunning) {
    std::fprintf(stderr,
                 "junction ps: no daemon is running at %s\n"
                 "Start one with `junction daemon --config /etc/junction/daemon.toml`\n"
                 "(or `systemctl start junction-daemon`), or set JUNCTION_SOCKET.\n",
                 path.c_str());
    if (rows.empty()) return 1;
    std::fprintf(stderr, "Showing standalone containers only.\n");
  }
  if (a.json) {
    std::printf("%s\n", sched::FormatStatusJson(rows, now).c_str());
  } else if (rows.empty()) {
    std::printf("No containers are running (daemon at %s).\n", path.c_str());
  } else {
    std::fputs(sched::FormatStatusTable(rows, now).c_str(), stdout);
  }
  std::fflush(stdout);
  return 0;
}

int DoPs(const PsArgs& a) {
  std::string path = config::ControlSocketPath();
  if (!a.watch) return ShowOnce(a, path);
  for (;;) {  // until interrupted (SIGINT's default action ends us)
    if (!a.json) std::fputs("\033[H\033[2J", stdout);
    std::fflush(stdout);  // also when ShowOnce returns early (no daemon)
    ShowOnce(a, path);
    timespec second{1, 0};
    nanosleep(&second, nullptr);
  }
}

}  // namespace

Runner SetupPs(CLI::App* sub) {
  auto a = std::make_shared<PsArgs>();
  sub->add_flag("--json", a->json, "Print a JSON array of containers");
  sub->add_flag("--watch", a->watch, "Refresh every second until interrupted, like top");
  return [a] { return DoPs(*a); };
}

}  // namespace junction::cmd
