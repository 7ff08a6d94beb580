#include "cmd/ps_processes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "libos/proc/process_table.h"

namespace junction::cmd {

namespace {

// The table's memfd among the container's descriptors, opened read-only.
int OpenTable(int32_t host_pid) {
  std::string dir = "/proc/" + std::to_string(host_pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return -1;
  const std::string want = std::string("/memfd:") + libos::proc::kTableMemfdName + " (deleted)";
  int fd = -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string link = dir + "/" + e->d_name;
    char target[256];
    ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (want == target) {
      fd = open(link.c_str(), O_RDONLY | O_CLOEXEC);
      break;
    }
  }
  closedir(d);
  return fd;
}

const char* StateName(uint32_t s) {
  switch (s) {
    case libos::proc::kReserved: return "starting";
    case libos::proc::kRunning: return "running";
    case libos::proc::kExited: return "exited";
    default: return "?";
  }
}

}  // namespace

std::vector<sched::ProcessStatus> ReadContainerProcesses(int32_t host_pid) {
  using libos::proc::Table;
  std::vector<sched::ProcessStatus> out;
  int fd = OpenTable(host_pid);
  if (fd < 0) return out;
  size_t size = (sizeof(Table) + 4095) & ~size_t{4095};
  void* m = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return out;
  const auto* t = static_cast<const Table*>(m);
  // Another version's layout is not ours to read.
  if (t->magic == libos::proc::kTableMagic && t->version == libos::proc::kTableVersion) {
    for (const auto& e : t->entries) {
      uint32_t s = e.state.load();
      if (s == libos::proc::kFree) continue;
      sched::ProcessStatus p;
      p.pid = e.pid.load();
      p.host_pid = e.host_pid.load();
      p.ppid = e.ppid.load();
      p.state = StateName(s);
      char cmd[libos::proc::kCommandBytes];
      std::memcpy(cmd, e.command, sizeof(cmd));
      cmd[sizeof(cmd) - 1] = 0;  // a torn write cannot run past the end
      p.command = cmd;
      out.push_back(std::move(p));
    }
  }
  munmap(m, size);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  return out;
}

}  // namespace junction::cmd
