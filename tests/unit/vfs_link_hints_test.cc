// The container's known symlinks (libos/fs/link_hints.h) and the VFS's use
// of them (Vfs::FollowKnownLinks): the set finds the first hinted prefix at
// a component's end; a resolution through hinted links gives what the walk
// gives, and a change made on the host behind the VFS's back (a link
// retargeted, renamed over, replaced by a directory or removed) is seen by
// the very next resolution, however often the path was resolved before.
// Bogus hints (names that are no links, a scribbled set) change no answer.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "libos/fs/link_hints.h"
#include "libos/fs/shared_shm.h"
#include "libos/fs/vfs.h"

using namespace junction::libos::fs;

namespace {

void ClearHints() {
  LinkHintsInit();
  size_t size;
  void* r = LinkHintsRegionForTest(&size);
  REQUIRE(r != nullptr);
  std::memset(r, 0, size);
}

struct Root {
  std::string dir;
  Root() {
    ClearHints();
    char t[] = "/tmp/vfs_link_hints_test.XXXXXX";
    dir = mkdtemp(t);
    for (const char* d : {"/d1", "/d2", "/d", "/d/e", "/d/e/inner"}) mkdir((dir + d).c_str(), 0755);
    std::ofstream(dir + "/d1/f") << "one";
    std::ofstream(dir + "/d2/f") << "two";
    std::ofstream(dir + "/d/e/f2") << "physical";
    std::ofstream(dir + "/d/f2") << "lexical";
    symlink("d1", (dir + "/top").c_str());           // top-level, relative
    symlink("../d1", (dir + "/d/deep").c_str());     // below the top, leading ".."
    symlink("/d2/f", (dir + "/d/abs").c_str());      // absolute, to a file
    symlink("e/inner", (dir + "/d/e2").c_str());
    symlink("e2/../f2", (dir + "/d/odd").c_str());  // ".." after a link: not lexical
    REQUIRE(Vfs::Get().Init(nullptr, dir).ok());
  }
  ~Root() {
    std::string cmd = "rm -rf " + dir;
    (void)!system(cmd.c_str());
    RemoveSharedShmDir();
  }
  std::string H(const char* p) const { return dir + p; }
};

std::string Guest(const std::string& p, unsigned flags = kFollow) {
  auto l = Vfs::Get().Resolve(AT_FDCWD, p, flags);
  return l.ok() ? l->guest : std::string("E") + std::to_string(l.error());
}

std::string Content(const std::string& p, int flags = O_RDONLY) {
  auto f = Vfs::Get().Open(AT_FDCWD, p, flags, 0644);
  if (!f.ok()) return std::string("E") + std::to_string(f.error());
  char buf[32] = {};
  auto n = (*f)->Read(buf, sizeof(buf) - 1);
  return n.ok() ? std::string(buf) : "read error";
}

std::string E(int e) { return "E" + std::to_string(e); }

}  // namespace

TEST_CASE("link hints: the first hinted prefix at a component's end") {
  ClearHints();
  CHECK(LinkHintFirst("/a/b/c") == 0);
  LinkHintNote("/a");
  CHECK(LinkHintFirst("/a/b/c") == 2);
  CHECK(LinkHintFirst("/a") == 2);
  CHECK(LinkHintFirst("/ab/c") == 0);
  CHECK(LinkHintFirst("/") == 0);
  LinkHintNote("/x/y/z");
  CHECK(LinkHintFirst("/x/y/z/w") == 6);
  CHECK(LinkHintFirst("/x/y") == 0);
  LinkHintNote("/x");
  CHECK(LinkHintFirst("/x/y/z/w") == 2);  // the first on the way
  LinkHintDrop("/a");
  CHECK(LinkHintFirst("/a/b") == 0);
  // Many more than fit: no crash, the newest are found.
  for (int i = 0; i < 3000; i++) LinkHintNote("/n" + std::to_string(i));
  CHECK(LinkHintFirst("/n2999/q") == 6);
  // A scribbled set answers with a prefix of the path, or nothing.
  size_t size;
  auto* region = static_cast<uint8_t*>(LinkHintsRegionForTest(&size));
  std::mt19937 rng(7);
  for (size_t i = 0; i < size; i++) region[i] = static_cast<uint8_t>(rng());
  const std::string p = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  size_t n = LinkHintFirst(p);
  CHECK((n == 0 || n == p.size() || p[n] == '/'));
}

TEST_CASE("known links: the walk's answers, and a host change seen at once") {
  Root r;
  for (int round = 0; round < 3; round++) {  // the first walks and notes; later ones use the hints
    CAPTURE(round);
    CHECK(Guest("/top/f") == "/d1/f");
    CHECK(Content("/top/f") == "one");
    CHECK(Guest("/d/deep/f") == "/d1/f");
    CHECK(Guest("/d/abs") == "/d2/f");
    CHECK(Guest("/d/abs", 0) == "/d/abs");
    CHECK(Content("/d/abs") == "two");
    CHECK(Content("/d/abs", O_RDONLY | O_NOFOLLOW) == E(ELOOP));
    CHECK(Guest("/d/odd") == "/d/e/f2");
    CHECK(Content("/d/odd") == "physical");
    CHECK(Guest("/top/nope") == E(ENOENT));
    CHECK(Guest("/top/f/x") == E(ENOTDIR));
  }
  CHECK(LinkHintFirst("/top/f") == 4);
  CHECK(LinkHintFirst("/d/deep/f") == 7);
  // Retargeted on the host (not through the VFS).
  REQUIRE(unlink(r.H("/top").c_str()) == 0);
  REQUIRE(symlink("d2", r.H("/top").c_str()) == 0);
  CHECK(Guest("/top/f") == "/d2/f");
  CHECK(Content("/top/f") == "two");
  // Renamed over.
  REQUIRE(symlink("/d1", r.H("/newtop").c_str()) == 0);
  REQUIRE(rename(r.H("/newtop").c_str(), r.H("/top").c_str()) == 0);
  CHECK(Content("/top/f") == "one");
  REQUIRE(unlink(r.H("/d/deep").c_str()) == 0);
  REQUIRE(symlink("../d2", r.H("/d/deep").c_str()) == 0);
  CHECK(Guest("/d/deep/f") == "/d2/f");
  // A directory in its place: its own file, and the hint is dropped.
  REQUIRE(unlink(r.H("/top").c_str()) == 0);
  REQUIRE(mkdir(r.H("/top").c_str(), 0755) == 0);
  std::ofstream(r.H("/top/f")) << "three";
  CHECK(Content("/top/f") == "three");
  CHECK(Guest("/top/f") == "/top/f");
  // The stale hint is dropped when a walk meets ELOOP below it.
  REQUIRE(symlink("f", r.H("/top/lnk").c_str()) == 0);
  CHECK(Content("/top/lnk") == "three");
  CHECK(LinkHintFirst("/top/f") == 0);
  // Gone, and dangling.
  REQUIRE(system(("rm -rf " + r.H("/top")).c_str()) == 0);
  CHECK(Guest("/top/f") == E(ENOENT));
  REQUIRE(symlink("missing", r.H("/top").c_str()) == 0);
  CHECK(Guest("/top/f") == E(ENOENT));
  CHECK(Guest("/top") == E(ENOENT));
  // A directory on the way to a hinted link turned into a link itself.
  REQUIRE(rename(r.H("/d").c_str(), r.H("/dd").c_str()) == 0);
  REQUIRE(symlink("d2", r.H("/d").c_str()) == 0);
  CHECK(Guest("/d/deep/f") == E(ENOENT));  // /d2/deep does not exist
  CHECK(Guest("/d/f") == "/d2/f");
}

TEST_CASE("known links: hints on names that are no links change nothing") {
  Root r;
  for (const char* p : {"/d1", "/d1/f", "/d", "/d2/f", "/missing"}) LinkHintNote(p);
  CHECK(Guest("/d1/f") == "/d1/f");  // never walks: no ELOOP
  CHECK(Guest("/top/f") == "/d1/f");
  CHECK(Guest("/d/deep/f") == "/d1/f");
  CHECK(Content("/d/abs") == "two");
  CHECK(Guest("/d/abs") == "/d2/f");
}

TEST_CASE("known links: the symlink limit counts the links they followed") {
  Root r;
  // /c0 -> c1 -> ... -> c39 -> d1 (40 links) works, one more is ELOOP.
  for (int i = 0; i < 40; i++) {
    std::string next = i == 39 ? "d1" : "c" + std::to_string(i + 1);
    REQUIRE(symlink(next.c_str(), r.H(("/c" + std::to_string(i)).c_str()).c_str()) == 0);
  }
  REQUIRE(symlink("c0", r.H("/cx").c_str()) == 0);
  for (int round = 0; round < 3; round++) {
    CAPTURE(round);
    CHECK(Guest("/c0/f") == "/d1/f");
    CHECK(Guest("/cx/f") == E(ELOOP));
    CHECK(Content("/cx/f") == E(ELOOP));
  }
}

TEST_CASE("known links: creating through a dangling hinted link") {
  Root r;
  REQUIRE(symlink("d1/made", r.H("/dangling").c_str()) == 0);
  CHECK(Guest("/dangling") == E(ENOENT));  // noted
  CHECK(Content("/dangling", O_RDWR | O_CREAT | O_EXCL) == E(EEXIST));
  CHECK(Content("/dangling", O_RDWR | O_CREAT) == "");
  struct stat st;
  CHECK(lstat(r.H("/d1/made").c_str(), &st) == 0);
  CHECK(Guest("/dangling") == "/d1/made");
}
