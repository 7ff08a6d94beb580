#include "bench/process.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>

extern char** environ;

namespace junction::bench {

namespace {

// Reads a whole memfd (from offset 0).
std::string ReadAll(int fd) {
  std::string s;
  char buf[4096];
  off_t off = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof(buf), off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return s;
}

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0 || buf[0] != '/') return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string ProcessResult::Describe() const {
  if (!error.empty()) return error;
  std::string s = "exit status " + std::to_string(exit_status);
  std::string tail = err;
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  if (size_t nl = tail.rfind('\n'); nl != std::string::npos) tail = tail.substr(nl + 1);
  if (!tail.empty()) s += ": " + tail;
  return s;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, Output output) {
  ProcessResult r;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  Fd out, err;
  if (output == Output::kCapture) {
    out.fd = memfd_create("bench-stdout", MFD_CLOEXEC);
    err.fd = memfd_create("bench-stderr", MFD_CLOEXEC);
    if (out.fd < 0 || err.fd < 0) {
      r.error = std::string("memfd_create: ") + std::strerror(errno);
      return r;
    }
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (output == Output::kCapture) {
    posix_spawn_file_actions_adddup2(&fa, out.fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err.fd, 2);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  }

  int64_t start = NowNs();
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    r.error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      r.error = std::string("waitpid: ") + std::strerror(errno);
      return r;
    }
  }
  r.wall_ns = NowNs() - start;
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (output == Output::kCapture) {
    r.out = ReadAll(out.fd);
    r.err = ReadAll(err.fd);
  }
  return r;
}

ScopedPin::ScopedPin(int cpu) {
  cpu_set_t old;
  CPU_ZERO(&old);
  if (sched_getaffinity(0, sizeof(old), &old) != 0) {
    placement_ = std::string("unpinned (sched_getaffinity: ") + std::strerror(errno) + ")";
    return;
  }
  if (cpu < 0) {
    for (int c = CPU_SETSIZE - 1; c >= 0; c--) {
      if (CPU_ISSET(c, &old)) {
        cpu = c;
        break;
      }
    }
  }
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    placement_ = "unpinned (no usable CPU)";
    return;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof(one), &one) != 0) {
    placement_ = "unpinned (cpu" + std::to_string(cpu) + ": " + std::strerror(errno) + ")";
    return;
  }
  saved_.assign(reinterpret_cast<unsigned char*>(&old),
                reinterpret_cast<unsigned char*>(&old) + sizeof(old));
  pinned_ = true;
  placement_ = "pinned cpu" + std::to_string(cpu);
}

ScopedPin::~ScopedPin() {
  if (pinned_) sched_setaffinity(0, saved_.size(), reinterpret_cast<cpu_set_t*>(saved_.data()));
}

TempFile::TempFile(const std::string& suffix, const std::string& contents) {
  const char* dir = std::getenv("TMPDIR");
  std::string templ = std::string(dir && *dir ? dir : "/tmp") + "/junction-bench-XXXXXX" + suffix;
  int fd = mkstemps(templ.data(), static_cast<int>(suffix.size()));
  if (fd < 0) {
    error_ = templ + ": " + std::strerror(errno);
    return;
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = templ + ": write: " + std::strerror(errno);
      close(fd);
      unlink(templ.c_str());
      return;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  path_ = templ;
}

TempFile::~TempFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

void Child::Stop(int sig) {
  if (pid <= 0) return;
  kill(pid, sig);
  waitpid(pid, nullptr, 0);
  pid = -1;
}

bool SpawnChild(const std::vector<std::string>& argv, Child* c, const std::string& stderr_path, int stdin_fd,
                const std::string& stdout_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd >= 0)
    posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  else
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int rc = posix_spawn(&c->pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) c->pid = -1;
  return rc == 0;
}

int PinnedCpu() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
  for (int i = CPU_SETSIZE - 1; i >= 0; i--)
    if (CPU_ISSET(i, &set)) return i;
  return -1;
}

void SleepMs(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
  nanosleep(&ts, nullptr);
}

}  // namespace junction::bench
