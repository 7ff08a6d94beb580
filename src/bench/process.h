// Starting, timing and collecting child processes for the benchmarks:
// workers, and the whole-process start-up measurements.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace junction::bench {

enum class Output { kCapture, kDiscard };

struct ProcessResult {
  int exit_status = -1;  // 0..255, or 128+N if signal N killed it
  int64_t wall_ns = 0;   // from just before spawning to just after reaping
  std::string out;       // stdout and stderr with Output::kCapture
  std::string err;
  std::string error;     // why it could not be run (empty if it ran)
  bool ok() const { return error.empty() && exit_status == 0; }
  // One line: the spawn error, or the exit status and the tail of stderr.
  std::string Describe() const;
};

// Runs argv[0] (an absolute path; no PATH lookup) with stdin from
// /dev/null, waits for it, and returns its status and output. Children
// inherit this process's CPU affinity.
ProcessResult RunProcess(const std::vector<std::string>& argv, Output output);

// A background child (a daemon, a container, a guest worker): killed and
// reaped when the object goes away unless stopped earlier.
struct Child {
  int pid = -1;
  ~Child() { Stop(9); }
  void Stop(int sig);  // signal it and reap it
};

// Starts argv[0] (absolute path) in the background with stdin from
// `stdin_fd` (or /dev/null when < 0) and stdout/stderr written to the
// given files. Returns false if it could not be started.
bool SpawnChild(const std::vector<std::string>& argv, Child* c, const std::string& stderr_path = "/dev/null",
                int stdin_fd = -1, const std::string& stdout_path = "/dev/null");

// The highest-numbered CPU this process may run on (where ScopedPin(-1)
// pins), or -1.
int PinnedCpu();

void SleepMs(int ms);

// Monotonic nanoseconds (the vDSO's clock_gettime, also under the LibOS).
int64_t NowNs();

// The absolute path of this executable (readlink of /proc/self/exe), or "".
std::string SelfExe();

// Pins this process (and so the children it starts) to one CPU for its
// lifetime and restores the previous affinity mask on destruction.
class ScopedPin {
 public:
  // cpu < 0: the highest-numbered CPU this process may run on.
  explicit ScopedPin(int cpu);
  ~ScopedPin();
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;
  // "pinned cpuN", or "unpinned (REASON)".
  const std::string& placement() const { return placement_; }
  bool pinned() const { return pinned_; }

 private:
  bool pinned_ = false;
  std::string placement_;
  std::vector<unsigned char> saved_;  // the cpu_set_t to restore
};

// A file that exists until this object goes away (mkstemps in $TMPDIR).
class TempFile {
 public:
  TempFile(const std::string& suffix, const std::string& contents);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }  // "" if creation failed
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

}  // namespace junction::bench
