#include "libos/strace.h"

#include <fcntl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "libos/fs/host_files.h"
#include "libos/host/host.h"
#include "libos/strace_decode.h"

namespace junction::libos {

namespace {

int g_fd = 2;
char g_buf[16384];
size_t g_len = 0;

}  // namespace

bool StraceOpen(const std::string& path) {
  if (path.empty()) return true;
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(path.c_str()),
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    errno = static_cast<int>(-fd);
    return false;
  }
  // Keep it clear of the low numbers the guest expects to be free.
  long high = host::Syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 1000);
  if (high >= 0) {
    host::Syscall(SYS_close, fd);
    fd = high;
  }
  g_fd = static_cast<int>(fd);
  fs::MarkLibosFd(g_fd);
  return true;
}

void StraceFlush() {
  // Every fork flushes: without output, write nothing (a write here was a
  // copy-on-write fault in both processes).
  if (!g_len) return;
  host::WriteAll(g_fd, g_buf, g_len);
  g_len = 0;
}

void StraceLog(const SyscallArgs& args, long result) {
  std::string line = FormatSyscall(args, result);
  line += '\n';
  if (g_len + line.size() > sizeof(g_buf)) StraceFlush();
  if (line.size() > sizeof(g_buf)) {
    host::WriteAll(g_fd, line.data(), line.size());
    return;
  }
  std::memcpy(g_buf + g_len, line.data(), line.size());
  g_len += line.size();
  // stderr interleaves with the guest's own output: write through.
  if (g_fd == 2) StraceFlush();
}

}  // namespace junction::libos
