// The one system call table (src/libos/syscalls/syscall_table.cc): every
// Linux number is accounted for, and docs/syscalls.md is generated from it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "libos/syscalls/syscall_table.h"

namespace {

using junction::libos::kNoSuchSyscall;
using junction::libos::kNumSyscalls;
using junction::libos::kSyscallTable;
using junction::libos::LookupSyscall;
using junction::libos::Support;
using junction::libos::SyscallEntry;

struct LinuxName {
  long nr;
  const char* name;
};
constexpr LinuxName kLinuxNames[] = {
#define SYSCALL(n, name) {n, #name},
#include "libos/syscalls/syscall_names.inc"
#undef SYSCALL
};

std::string TableText() {
  int fd = memfd_create("syscall-table", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  junction::libos::PrintSyscallTable(fd);
  std::string out;
  char buf[4096];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

const std::string kRegenerate =
    "docs/syscalls.md is out of date with the syscall table; regenerate it with\n"
    "  ninja -C build/release junction && scripts/gen-syscall-docs.sh build/release/junction";

}  // namespace

TEST_CASE("syscall table: every Linux number has a named entry with a handler or an errno") {
  for (const LinuxName& l : kLinuxNames) {
    CAPTURE(l.nr);
    CAPTURE(l.name);
    REQUIRE(l.nr >= 0);
    REQUIRE(l.nr < kNumSyscalls);
    const SyscallEntry& e = LookupSyscall(l.nr);
    REQUIRE(e.name != nullptr);
    CHECK(std::string_view(e.name) == l.name);
    CHECK(e.note != nullptr);
    if (e.handler == nullptr) {
      CHECK(e.support == Support::kErrno);
      CHECK(e.err > 0);
      CHECK(e.note[0] != '\0');  // why it is an error
    } else {
      CHECK(e.support != Support::kErrno);
    }
    if (e.support == Support::kPartial) CHECK(e.note[0] != '\0');  // what differs
  }
}

TEST_CASE("syscall table: fast entries have handlers; unnamed numbers are ENOSYS") {
  for (long nr = 0; nr < kNumSyscalls; nr++) {
    const SyscallEntry& e = kSyscallTable[static_cast<size_t>(nr)];
    CAPTURE(nr);
    if (e.flags & junction::libos::kFast) CHECK((e.handler != nullptr));
    if (e.name == nullptr) {
      CHECK((e.handler == nullptr));
      CHECK(e.err == ENOSYS);
    }
  }
  for (long nr : {-1L, kNumSyscalls, 100000L}) {
    const SyscallEntry& e = LookupSyscall(nr);
    CHECK(&e == &kNoSuchSyscall);
    CHECK((e.handler == nullptr));
    CHECK(e.err == ENOSYS);
  }
}

TEST_CASE("syscall table: docs/syscalls.md matches PrintSyscallTable") {
  std::ifstream in(std::string(JUNCTION_SOURCE_DIR) + "/docs/syscalls.md");
  REQUIRE_MESSAGE(in.good(), "docs/syscalls.md is missing. ", kRegenerate);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const std::string begin = "<!-- BEGIN GENERATED TABLE: scripts/gen-syscall-docs.sh -->\n```\n";
  const std::string end = "```\n<!-- END GENERATED TABLE -->";
  size_t b = doc.find(begin);
  REQUIRE_MESSAGE(b != std::string::npos, "no generated-table marker. ", kRegenerate);
  b += begin.size();
  size_t e = doc.find(end, b);
  REQUIRE_MESSAGE(e != std::string::npos, "no end-of-table marker. ", kRegenerate);
  std::string documented = doc.substr(b, e - b);
  std::string actual = TableText();
  if (documented != actual) {
    // Point at the first differing line.
    std::istringstream d(documented), a(actual);
    std::string dl, al;
    while (true) {
      bool dm = static_cast<bool>(std::getline(d, dl));
      bool am = static_cast<bool>(std::getline(a, al));
      if (!dm && !am) break;
      if (dl != al || dm != am) {
        FAIL_CHECK(kRegenerate << "\n  docs:  " << (dm ? dl : "<end>") << "\n  table: "
                               << (am ? al : "<end>"));
        break;
      }
    }
  }
  bool up_to_date = documented == actual;
  CHECK_MESSAGE(up_to_date, kRegenerate);
}
