// How long the unit tests' fuzz loops run: CI's budget by default, more
// by hand. JUNCTION_FUZZ_SCALE=N runs each loop N times as many rounds;
// JUNCTION_FUZZ_SEED=S mixes S into each loop's seed (0: CI's seeds).
//   JUNCTION_FUZZ_SCALE=100 JUNCTION_FUZZ_SEED=7 build/release/tests/junction_unit_tests -tc='*scribbl*'
#pragma once

#include <cstdint>
#include <cstdlib>

namespace junction::testing {

inline uint64_t FuzzRounds(uint64_t ci_rounds) {
  const char* s = std::getenv("JUNCTION_FUZZ_SCALE");
  uint64_t scale = s ? std::strtoull(s, nullptr, 10) : 1;
  return ci_rounds * (scale ? scale : 1);
}

inline uint64_t FuzzSeed(uint64_t ci_seed) {
  const char* s = std::getenv("JUNCTION_FUZZ_SEED");
  uint64_t extra = s ? std::strtoull(s, nullptr, 10) : 0;
  return ci_seed ^ (extra * 0x9e3779b97f4a7c15ULL);
}

}  // namespace junction::testing
