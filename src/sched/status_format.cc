#include "sched/status_format.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>

namespace junction::sched {

namespace {

void AppendJsonString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string Ipv4(uint64_t a) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", static_cast<unsigned>((a >> 24) & 255),
                static_cast<unsigned>((a >> 16) & 255), static_cast<unsigned>((a >> 8) & 255),
                static_cast<unsigned>(a & 255));
  return buf;
}

std::string OptInt(const std::optional<uint64_t>& v) {
  return v ? std::to_string(*v) : std::string("null");
}

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string OptMicros(const std::optional<uint64_t>& ns) {
  return ns ? Fixed(static_cast<double>(*ns) / 1e3, 3) : std::string("null");
}

std::string IdString(const ContainerStatus& s) {
  return (s.mode == ContainerMode::kStandalone ? "s" : "") + std::to_string(s.id);
}

double UptimeS(const ContainerStatus& s, uint64_t now_unix_ns) {
  return now_unix_ns > s.started_unix_ns ? static_cast<double>(now_unix_ns - s.started_unix_ns) / 1e9
                                         : 0.0;
}

std::string HumanBytes(const std::optional<uint64_t>& b) {
  if (!b) return "-";
  const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(*b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  return Fixed(v, u == 0 ? 0 : 1) + units[u];
}

std::string HumanDuration(double s) {
  char buf[32];
  uint64_t t = static_cast<uint64_t>(s);
  if (t < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (t < 3600) std::snprintf(buf, sizeof buf, "%" PRIu64 "m%02" PRIu64 "s", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%" PRIu64 "h%02" PRIu64 "m", t / 3600, (t / 60) % 60);
  return buf;
}

std::string NetJson(const std::optional<net::NetCounters>& n) {
  if (!n) return "null";
  std::string o = "{\"rx_packets\": " + std::to_string(n->rx_packets) +
                  ", \"rx_bytes\": " + std::to_string(n->rx_bytes) +
                  ", \"tx_packets\": " + std::to_string(n->tx_packets) +
                  ", \"tx_bytes\": " + std::to_string(n->tx_bytes) + ", \"drops\": {";
  for (int i = 0; i < net::kDropReasons; i++) {
    if (i) o += ", ";
    o += std::string("\"") + net::DropName(static_cast<net::Drop>(i)) + "\": " + std::to_string(n->drops[i]);
  }
  return o + "}}";
}

// "rx/tx/drops" packets, or "-".
std::string NetCell(const std::optional<net::NetCounters>& n) {
  if (!n) return "-";
  return std::to_string(n->rx_packets) + "/" + std::to_string(n->tx_packets) + "/" +
         std::to_string(n->total_drops());
}

}  // namespace

std::string FormatStatusJson(const std::vector<ContainerStatus>& rows, uint64_t now_unix_ns) {
  std::string o = "[";
  for (size_t i = 0; i < rows.size(); i++) {
    const ContainerStatus& s = rows[i];
    if (i > 0) o += ", ";
    o += "{\"id\": ";
    AppendJsonString(&o, IdString(s));
    o += ", \"name\": ";
    AppendJsonString(&o, s.name);
    o += std::string(", \"class\": \"") + ClassName(s.cls) + "\"";
    o += std::string(", \"mode\": \"") +
         (s.mode == ContainerMode::kDaemon ? "daemon" : "standalone") + "\"";
    o += ", \"pids\": [";
    for (size_t p = 0; p < s.pids.size(); p++) o += (p ? ", " : "") + std::to_string(s.pids[p]);
    o += "], \"ip\": ";
    if (s.ip) AppendJsonString(&o, Ipv4(*s.ip));
    else o += "null";
    o += ", \"cores\": {\"active\": " + std::to_string(s.active) +
         ", \"guaranteed\": " + std::to_string(s.guaranteed) + ", \"max\": " + std::to_string(s.max) + "}";
    o += ", \"queue_delay_us\": {\"current\": " + OptMicros(s.queue_delay_ns) +
         ", \"p99\": " + OptMicros(s.queue_delay_p99_ns) + "}";
    o += ", \"uthreads\": {\"runnable\": " + OptInt(s.uthreads_runnable) +
         ", \"total\": " + OptInt(s.uthreads_total) + "}";
    o += ", \"preemptions\": " + OptInt(s.preemptions);
    o += ", \"rss_bytes\": " + OptInt(s.rss_bytes);
    o += ", \"net\": " + NetJson(s.net);
    o += ", \"uptime_s\": " + Fixed(UptimeS(s, now_unix_ns), 3);
    o += ", \"command\": [";
    for (size_t a = 0; a < s.command.size(); a++) {
      if (a) o += ", ";
      AppendJsonString(&o, s.command[a]);
    }
    o += "], \"processes\": [";
    for (size_t p = 0; p < s.processes.size(); p++) {
      const ProcessStatus& ps = s.processes[p];
      if (p) o += ", ";
      o += "{\"pid\": " + std::to_string(ps.pid) + ", \"host_pid\": " + std::to_string(ps.host_pid) +
           ", \"ppid\": " + std::to_string(ps.ppid) + ", \"state\": ";
      AppendJsonString(&o, ps.state);
      o += ", \"command\": ";
      AppendJsonString(&o, ps.command);
      // Its kthread runs on the daemon's grants (docs/daemon.md "Forked processes").
      auto at = std::find(s.scheduled_pids.begin(), s.scheduled_pids.end(), ps.host_pid);
      bool scheduled = at != s.scheduled_pids.end();
      o += std::string(", \"scheduled\": ") + (scheduled ? "true" : "false");
      // The cores its kthreads hold now (null: not on the daemon's grants).
      size_t i = static_cast<size_t>(at - s.scheduled_pids.begin());
      o += ", \"cores\": ";
      o += scheduled && i < s.scheduled_cores.size() ? std::to_string(s.scheduled_cores[i]) : "null";
      o += "}";
    }
    o += "]}";
  }
  o += "]";
  return o;
}

std::string FormatStatusTable(const std::vector<ContainerStatus>& rows, uint64_t now_unix_ns) {
  std::string o;
  char line[512];
  std::snprintf(line, sizeof line, "%-6s %-16s %-5s %-10s %-8s %-15s %-17s %-8s %-16s %-9s %-8s %-9s %-8s %s\n",
                "ID", "NAME", "CLASS", "MODE", "PID", "IP", "PKTS rx/tx/drop", "CORES", "QDELAY(us) p99", "UTHREADS",
                "PREEMPT", "RSS", "UPTIME", "COMMAND");
  o += line;
  for (const ContainerStatus& s : rows) {
    // The first process; its children are listed below the table.
    std::string pids = s.pids.empty() ? "-" : std::to_string(s.pids[0]);
    if (s.pids.size() > 1) pids += "+" + std::to_string(s.pids.size() - 1);
    std::string cores = std::to_string(s.active) + "/" + std::to_string(s.guaranteed) + "/" +
                        std::to_string(s.max);
    std::string delay = s.queue_delay_ns ? Fixed(static_cast<double>(*s.queue_delay_ns) / 1e3, 1) + " " +
                                               Fixed(static_cast<double>(s.queue_delay_p99_ns.value_or(0)) / 1e3, 1)
                                         : std::string("-");
    std::string uthreads = (s.uthreads_runnable ? std::to_string(*s.uthreads_runnable) : "-") +
                           "/" + (s.uthreads_total ? std::to_string(*s.uthreads_total) : "-");
    std::string cmd;
    for (size_t a = 0; a < s.command.size(); a++) cmd += (a ? " " : "") + s.command[a];
    if (cmd.size() > 60) cmd = cmd.substr(0, 57) + "...";
    std::snprintf(line, sizeof line,
                  "%-6s %-16s %-5s %-10s %-8s %-15s %-17s %-8s %-16s %-9s %-8s %-9s %-8s %s\n",
                  IdString(s).c_str(), s.name.c_str(),
                  s.cls == config::CpuClass::kLatencyCritical ? "LC" : "BE",
                  s.mode == ContainerMode::kDaemon ? "daemon" : "standalone", pids.c_str(),
                  s.ip ? Ipv4(*s.ip).c_str() : "-", NetCell(s.net).c_str(), cores.c_str(), delay.c_str(), uthreads.c_str(),
                  s.preemptions ? std::to_string(*s.preemptions).c_str() : "-",
                  HumanBytes(s.rss_bytes).c_str(), HumanDuration(UptimeS(s, now_unix_ns)).c_str(),
                  cmd.c_str());
    o += line;
  }
  // Each container's processes (container pid, host pid, command).
  for (const ContainerStatus& s : rows) {
    if (s.processes.empty()) continue;
    o += "\nContainer " + IdString(s) + " (" + s.name + "):\n";
    std::snprintf(line, sizeof line, "  %-8s %-9s %-8s %-9s %s\n", "PID", "HOST-PID", "PPID", "STATE", "COMMAND");
    o += line;
    for (const ProcessStatus& p : s.processes) {
      std::snprintf(line, sizeof line, "  %-8d %-9d %-8d %-9s %s\n", p.pid, p.host_pid, p.ppid, p.state.c_str(),
                    p.command.c_str());
      o += line;
    }
  }
  return o;
}

std::optional<uint64_t> ReadRssBytes(int32_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/statm");
  uint64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return std::nullopt;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t UnixNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t MonotonicNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace junction::sched
