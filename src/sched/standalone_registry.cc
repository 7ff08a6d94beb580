#include "sched/standalone_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>
#include <fstream>
#include <sstream>

#include "config/socket_path.h"
#include "sched/status_format.h"
#include "base/fork_written.h"

namespace junction::sched {

namespace {

JUNCTION_FORK_WRITTEN std::string g_registered_file;  // this process's entry, if any

bool MakeDirs(const std::string& dir) {
  for (size_t pos = 1;; pos++) {
    pos = dir.find('/', pos);
    std::string part = pos == std::string::npos ? dir : dir.substr(0, pos);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    if (pos == std::string::npos) break;
  }
  return access(dir.c_str(), W_OK) == 0;
}

// Only `dir` itself: the control socket's directory is the daemon's to make.
bool MakeDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return false;
  return access(dir.c_str(), W_OK) == 0;
}

bool WriteAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ok = close(fd) == 0 && ok;
  if (ok && rename(tmp.c_str(), path.c_str()) == 0) return true;
  unlink(tmp.c_str());
  return false;
}

void ListDir(const std::string& dir, std::vector<ContainerStatus>* out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    int32_t pid = 0;
    uint64_t start = 0;
    char suffix[8] = {};
    if (std::sscanf(e->d_name, "%" SCNd32 "-%" SCNu64 ".%4s", &pid, &start, suffix) != 3 ||
        std::strcmp(suffix, "ctr") != 0 || pid <= 0)
      continue;
    std::string path = dir + "/" + e->d_name;
    if (ProcessStartTime(pid) != start) {  // gone (or the pid was reused)
      unlink(path.c_str());
      continue;
    }
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ContainerStatus s;
    if (bytes.size() > (1u << 20) || !DecodeContainerStatus(bytes, &s)) continue;
    s.mode = ContainerMode::kStandalone;
    s.pids = {pid};
    s.id = static_cast<uint64_t>(pid);
    s.rss_bytes = ReadRssBytes(pid);
    out->push_back(std::move(s));
  }
  closedir(d);
}

}  // namespace

std::string StandaloneDir(const std::string& control_socket) {
  size_t slash = control_socket.rfind('/');
  // A socket with no directory, or in "/", has no directory of its own to
  // keep the registry beside: never write into the filesystem root.
  if (slash == std::string::npos || slash == 0) return StandaloneFallbackDir();
  return control_socket.substr(0, slash) + "/standalone";
}

std::string StandaloneFallbackDir() {
  return "/tmp/junction-" + std::to_string(getuid()) + "/standalone";
}

uint64_t ProcessStartTime(int32_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return 0;
  size_t paren = line.rfind(')');  // the command may contain spaces and ')'
  if (paren == std::string::npos) return 0;
  std::istringstream rest(line.substr(paren + 1));
  std::string field;
  // Fields after the command start at 3 (state); starttime is 22.
  for (int i = 3; i <= 22; i++)
    if (!(rest >> field)) return 0;
  return std::strtoull(field.c_str(), nullptr, 10);
}

std::string RegisterStandalone(const config::AppConfig& cfg, const std::vector<std::string>& argv,
                               std::string* why) {
  ContainerStatus s;
  s.id = static_cast<uint64_t>(getpid());
  s.name = cfg.name;
  s.cls = cfg.cpu.cls;
  s.mode = ContainerMode::kStandalone;
  s.pids = {static_cast<int32_t>(getpid())};
  if (cfg.net.mode == config::NetMode::kBypass && cfg.net.address) s.ip = cfg.net.address->addr;
  s.active = static_cast<uint32_t>(cfg.cpu.max_cores);  // standalone runs on its max cores
  s.guaranteed = static_cast<uint32_t>(cfg.cpu.guaranteed_cores);
  s.max = static_cast<uint32_t>(cfg.cpu.max_cores);
  s.started_unix_ns = UnixNowNs();
  s.command = argv;
  if (s.command.size() > kMaxArgs) s.command.resize(kMaxArgs);
  for (std::string& a : s.command)
    if (a.size() > kMaxArgBytes) a.resize(kMaxArgBytes);
  std::string name = std::to_string(getpid()) + "-" + std::to_string(ProcessStartTime(getpid())) + ".ctr";
  std::vector<uint8_t> bytes = EncodeContainerStatus(s);
  const std::string fallback = StandaloneFallbackDir();
  for (const std::string& dir :
       {StandaloneDir(cfg.daemon_socket.value_or(config::kDefaultControlSocket)), fallback}) {
    if ((dir == fallback ? MakeDirs(dir) : MakeDir(dir)) && WriteAtomically(dir + "/" + name, bytes)) {
      UnregisterStandalone();
      g_registered_file = dir + "/" + name;
      return g_registered_file;
    }
  }
  if (why) *why = std::string("cannot write a standalone registration: ") + std::strerror(errno);
  return "";
}

void UnregisterStandalone() {
  if (g_registered_file.empty()) return;
  unlink(g_registered_file.c_str());
  g_registered_file.clear();
}

const std::string& StandaloneRegistrationFile() { return g_registered_file; }

void ForgetStandaloneRegistration() {
  // A fresh empty string over the parent's: clearing or freeing that one
  // would write its buffer or malloc's lists on the heap, a copy-on-write
  // fault in every forked child for a few bytes this process never frees.
  if (!g_registered_file.empty()) new (&g_registered_file) std::string();
}

std::vector<ContainerStatus> ListStandalone(const std::string& control_socket) {
  std::vector<ContainerStatus> out;
  std::string primary = StandaloneDir(control_socket);
  ListDir(primary, &out);
  if (StandaloneFallbackDir() != primary) ListDir(StandaloneFallbackDir(), &out);
  return out;
}

}  // namespace junction::sched
