// The lazy path's word-at-a-time helpers (libos/entry/word_bytes.h,
// libos/fs/path_words.h) against their plain counterparts: whether a path
// is canonical decides whether a lazy open goes to the host without
// RESOLVE_BENEATH, so the two tests must agree on every path.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>

#include "libos/entry/word_bytes.h"
#include "libos/fs/path.h"
#include "libos/fs/path_words.h"

using junction::libos::fs::IsCanonicalAbsolute;
using junction::libos::fs::IsCanonicalAbsoluteByWords;

namespace {

bool Agree(const std::string& p) {
  // A copy with other bytes after its end: the word test must not look past `len`.
  std::string buf(p);
  buf.append("/../");
  return IsCanonicalAbsoluteByWords(buf.data(), p.size()) == IsCanonicalAbsolute(p);
}

}  // namespace

TEST_CASE("path words: canonical-path test agrees with IsCanonicalAbsolute") {
  CHECK(IsCanonicalAbsoluteByWords("/", 1));
  CHECK(IsCanonicalAbsoluteByWords("/tmp/junction-bench-abcdef.open", 31));
  CHECK(IsCanonicalAbsoluteByWords("/a/.../..b/.c", 13));
  for (const char* bad : {"", "a", "//", "/a/", "/./a", "/a/.", "/a/..", "/a/../b", "/aaaaaaa/..",
                          "/aaaaaaaaaaaaaa//b", "/aaaaaa/./bbbbbbbbb", "/aaaaaaaa/.."})
    CHECK_MESSAGE(!IsCanonicalAbsoluteByWords(bad, std::strlen(bad)), bad);
  // Every path of up to 11 bytes over '/', '.' and 'a' (177,146 of them),
  // so each pattern meets every position in a word and the tail.
  std::string p;
  size_t checked = 0, disagree = 0;
  for (size_t len = 0; len <= 11; len++) {
    size_t total = 1;
    for (size_t i = 0; i < len; i++) total *= 3;
    p.assign(len, 'a');
    for (size_t k = 0; k < total; k++) {
      for (size_t i = 0, v = k; i < len; i++, v /= 3) p[i] = "/.a"[v % 3];
      checked++;
      if (!Agree(p) && disagree++ < 5) FAIL_CHECK("disagree on '", p, "'");
    }
  }
  CHECK(disagree == 0);
  CHECK(checked > 177000);
  // Longer random ones, mostly canonical.
  std::mt19937 rng(5);
  for (int round = 0; round < 200000; round++) {
    char b[256] = "/";
    size_t n = 1, comps = rng() % 12;
    for (size_t c = 0; c < comps; c++) {
      static const char* kParts[] = {"a", "bcdefgh", ".", "..", "", "...", ".x", "x.", "..y", "ijklmnopqrstu"};
      if (c) b[n++] = '/';
      for (const char* s = kParts[rng() % 10]; *s; s++) b[n++] = *s;
    }
    if (rng() % 8 == 0) b[n++] = '/';
    p.assign(b, n);
    if (!Agree(p) && disagree++ < 5) FAIL_CHECK("disagree on '", p, "'");
  }
  CHECK(disagree == 0);
}

TEST_CASE("path words: zero and equal bytes, copies") {
  using namespace junction::libos;
  for (int at = 0; at < 8; at++) {
    char b[8];
    std::memset(b, 'x', 8);
    b[at] = 0;
    uint64_t w;
    std::memcpy(&w, b, 8);
    CHECK(ZeroBytesOf(w) != 0);
    CHECK(FirstMarkedByte(ZeroBytesOf(w)) == static_cast<size_t>(at));
    b[at] = '/';
    std::memcpy(&w, b, 8);
    CHECK(ZeroBytesOf(w) == 0);
    CHECK(FirstMarkedByte(BytesEqualTo(w, '/')) == static_cast<size_t>(at));
  }
  // Bytes with the top bit set are not zero (no borrow from 0x80 or 0xff).
  CHECK(ZeroBytesOf(0x80ff'0180'ff80'7f01ull) == 0);
  CHECK(ZeroBytesOf(0x8000'0000'0000'0080ull) == 0x0080'8080'8080'8000ull);
  for (size_t n = 0; n < 40; n++) {
    char src[40], dst[41];
    for (size_t i = 0; i < sizeof(src); i++) src[i] = static_cast<char>('A' + i);
    std::memset(dst, '#', sizeof(dst));
    CopyBytesByWords(dst, src, n);
    CHECK(std::memcmp(dst, src, n) == 0);
    CHECK(dst[n] == '#');
  }
}
