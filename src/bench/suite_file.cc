// Suite `file`: file system calls on a host file (the VFS's host-backed
// path under `junction run`: LibOS path resolution and descriptor table in
// front of one host call).
//
//   open_close  open(O_RDONLY) + close of a file in /tmp (a short path on
//               the container root: the VFS fast path, one openat2 on the host)
//   pread_4k    pread of 4 KiB at a cycling offset of a cached 1 MiB file
//   stat        stat() of the same file
//   open_close_900held  open(O_RDONLY) + close of /dev/null with 900 other
//               descriptors open (a per-held-descriptor cost shows here:
//               describing /dev once made a host call per descriptor)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "bench/bench.h"
#include "bench/process.h"

namespace junction::bench {

namespace {

constexpr size_t kFileSize = 1 << 20;

template <typename F>
Measurement NsPerOp(uint64_t n, F op) {
  if (n == 0) return {0, "no iterations"};
  int64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++)
    if (!op(i)) return {0, "call failed at iteration " + std::to_string(i)};
  return {static_cast<double>(NowNs() - start) / static_cast<double>(n), ""};
}

Measurement OpenClose(const Context& ctx) {
  TempFile f(".open", "x");
  const char* p = f.path().c_str();
  return NsPerOp(ctx.iterations, [p](uint64_t) {
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    return fd >= 0 && close(fd) == 0;
  });
}

Measurement OpenClose900Held(const Context& ctx) {
  constexpr int kHeld = 900;
  int held[kHeld];
  int n = 0;
  for (; n < kHeld; n++)
    if ((held[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) break;
  Measurement m = n < kHeld ? Measurement{0, "cannot hold " + std::to_string(kHeld) + " descriptors"}
                            : NsPerOp(ctx.iterations, [](uint64_t) {
                                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                                return fd >= 0 && close(fd) == 0;
                              });
  for (int i = 0; i < n; i++) close(held[i]);
  return m;
}

Measurement Pread4k(const Context& ctx) {
  TempFile f(".pread", std::string(kFileSize, 'x'));
  int fd = open(f.path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {0, "cannot open " + f.path()};
  static char buf[4096];
  for (size_t off = 0; off < kFileSize; off += sizeof(buf)) (void)!pread(fd, buf, sizeof(buf), off);
  Measurement m = NsPerOp(ctx.iterations, [fd](uint64_t i) {
    off_t off = static_cast<off_t>((i * sizeof(buf)) % kFileSize);
    return pread(fd, buf, sizeof(buf), off) == static_cast<ssize_t>(sizeof(buf));
  });
  close(fd);
  return m;
}

Measurement Stat(const Context& ctx) {
  TempFile f(".stat", "x");
  const char* p = f.path().c_str();
  return NsPerOp(ctx.iterations, [p](uint64_t) {
    struct stat st;
    return stat(p, &st) == 0;
  });
}

constexpr Benchmark kFile[] = {
    {"file", "open_close", "ns/op", Where::kWorker, 100'000, OpenClose,
     "open(O_RDONLY)+close of a file in /tmp; under junction the VFS fast path (one openat2)"},
    {"file", "pread_4k", "ns/op", Where::kWorker, 200'000, Pread4k,
     "4 KiB pread of a cached 1 MiB host file (target <= 1.3x native)"},
    {"file", "stat", "ns/op", Where::kWorker, 100'000, Stat,
     "stat() of a file in /tmp; under junction openat2(O_PATH)+fstat+close on the host"},
    {"file", "open_close_900held", "ns/op", Where::kWorker, 50'000, OpenClose900Held,
     "open(O_RDONLY)+close of /dev/null with 900 other descriptors open"},
};

}  // namespace

std::span<const Benchmark> FileSuite() { return kFile; }

}  // namespace junction::bench
