// Path resolution by the LibOS VFS over a temporary container root: "..",
// symlinks (absolute ones stay inside the root), loops, openat2 RESOLVE_*
// flags, procfs links. Runs without a guest (host calls go through the
// same stubs).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "libos/fs/path.h"
#include "libos/fs/shared_shm.h"
#include "libos/fs/vfs.h"

using namespace junction::libos::fs;

TEST_CASE("path helpers") {
  CHECK(SplitPath("a//b/./c/") == std::vector<std::string>{"a", "b", ".", "c"});
  CHECK(NormalizeAbsolute("/a/../../b/./c/") == "/b/c");
  CHECK(NormalizeAbsolute("/..") == "/");
  CHECK(JoinAbsolute({}) == "/");
  CHECK(PathCovers("/", "/x"));
  CHECK(PathCovers("/a", "/a/b"));
  CHECK_FALSE(PathCovers("/a", "/ab"));
  CHECK(PathBelow("/a", "/a/b/c") == "b/c");
  CHECK(PathBelow("/", "/x/y") == "x/y");
  CHECK(PathBelow("/a", "/a") == "");
  for (auto [prefix, path] : {std::pair{"/a", "/a/b/c"}, {"/", "/x/y"}, {"/a", "/a"}, {"/", "/"}})
    CHECK(std::string(PathBelowPtr(prefix, path)) == PathBelow(prefix, path));
  CHECK(HasDotDot("a/../b"));
  CHECK_FALSE(HasDotDot("a/..b"));
  CHECK(HasDotDot(".."));
  CHECK(HasDotDot("/a/.."));
  CHECK(HasDotDot("../a"));
  CHECK_FALSE(HasDotDot("a/.../b/."));
  CHECK_FALSE(HasDotDot(""));
  // Already canonical paths come back as they are; the others normalised.
  for (const char* p : {"/", "/a", "/a/b.c/..d/...", "/tmp/x"}) {
    CHECK(IsCanonicalAbsolute(p));
    CHECK(NormalizeAbsolute(p) == p);
  }
  for (const char* p : {"", "a", "//", "/a/", "/a//b", "/./a", "/a/.", "/a/../b", "/.."})
    CHECK_FALSE(IsCanonicalAbsolute(p));
  CHECK(NormalizeAbsolute("/a//b/") == "/a/b");
  CHECK(NormalizeAbsolute("/a/.") == "/a");
}

namespace {

struct Root {
  std::string dir;
  Root() {
    char t[] = "/tmp/vfs_path_test.XXXXXX";
    dir = mkdtemp(t);
    mkdir((dir + "/etc").c_str(), 0755);
    mkdir((dir + "/d").c_str(), 0755);
    mkdir((dir + "/d/e").c_str(), 0755);
    std::ofstream(dir + "/etc/marker") << "inside";
    symlink("/etc", (dir + "/d/abs").c_str());
    symlink("../../../../etc", (dir + "/d/rel").c_str());
    symlink("loop2", (dir + "/d/loop1").c_str());
    symlink("loop1", (dir + "/d/loop2").c_str());
    symlink("e", (dir + "/d/toe").c_str());
    REQUIRE(Vfs::Get().Init(nullptr, dir).ok());
  }
  ~Root() {
    std::string cmd = "rm -rf " + dir;
    (void)!system(cmd.c_str());
    // Init made the container's /dev/shm directory on the host: a test
    // process is no container, so nothing else would remove it.
    RemoveSharedShmDir();
  }
};

std::string Guest(const std::string& p, unsigned flags = kFollow, uint64_t resolve = 0) {
  auto l = Vfs::Get().Resolve(AT_FDCWD, p, flags, resolve);
  return l.ok() ? l->guest : std::string("E") + std::to_string(l.error());
}

}  // namespace

TEST_CASE("VFS resolution stays inside the container root") {
  Root r;
  CHECK(Guest("/etc/marker") == "/etc/marker");
  CHECK(Guest("/../../../etc/marker") == "/etc/marker");
  CHECK(Guest("/d/abs/marker") == "/etc/marker");
  CHECK(Guest("/d/rel/marker") == "/etc/marker");
  CHECK(Guest("/d/abs", 0) == "/d/abs");  // not following the last link
  CHECK(Guest("/d/toe/..") == "/d");
  CHECK(Guest("/d/loop1") == "E" + std::to_string(ELOOP));
  CHECK(Guest("/etc/marker/x") == "E" + std::to_string(ENOTDIR));
  CHECK(Guest("/etc/marker/") == "E" + std::to_string(ENOTDIR));
  CHECK(Guest("/nope/x") == "E" + std::to_string(ENOENT));
  CHECK(Guest("/proc/self/root") == "/");
  CHECK(Guest("/proc/self/root/etc/marker") == "/etc/marker");
  CHECK(Guest("/proc/self/root/../../etc/marker") == "/etc/marker");
  CHECK(Guest("/dev/null") == "/dev/null");
  auto f = Vfs::Get().Open(AT_FDCWD, "/d/abs/marker", O_RDONLY, 0);
  REQUIRE(f.ok());
  char buf[16] = {};
  REQUIRE((*f)->Read(buf, sizeof(buf)).ok());
  CHECK(std::string(buf) == "inside");
}

TEST_CASE("openat2 RESOLVE flags") {
  Root r;
  CHECK(Guest("/d/abs/marker", kFollow, RESOLVE_NO_SYMLINKS) == "E" + std::to_string(ELOOP));
  CHECK(Guest("/proc/self/fd", kFollow, RESOLVE_NO_MAGICLINKS) == "/proc/" + std::to_string(getpid()) + "/fd");
  CHECK(Guest("/proc/self/root", kFollow, RESOLVE_NO_MAGICLINKS) == "E" + std::to_string(ELOOP));
  CHECK(Guest("/proc/self/root", 0, RESOLVE_NO_MAGICLINKS) == "/proc/" + std::to_string(getpid()) + "/root");
  CHECK(Guest("/etc/marker", kFollow, RESOLVE_NO_XDEV) == "/etc/marker");
  CHECK(Guest("/proc/cpuinfo", kFollow, RESOLVE_NO_XDEV) == "E" + std::to_string(EXDEV));
  // BENEATH / IN_ROOT are relative to the dirfd (AT_FDCWD: the cwd, which
  // is "/" here because the host cwd is outside the temporary root).
  CHECK(Guest("etc/marker", kFollow, RESOLVE_BENEATH) == "/etc/marker");
  CHECK(Guest("/etc/marker", kFollow, RESOLVE_BENEATH) == "E" + std::to_string(EXDEV));
  CHECK(Guest("../etc/marker", kFollow, RESOLVE_BENEATH) == "E" + std::to_string(EXDEV));
  CHECK(Guest("d/abs/marker", kFollow, RESOLVE_BENEATH) == "E" + std::to_string(EXDEV));
  CHECK(Guest("d/abs/marker", kFollow, RESOLVE_IN_ROOT) == "/etc/marker");
  CHECK(Guest("../../etc/marker", kFollow, RESOLVE_IN_ROOT) == "/etc/marker");
}
