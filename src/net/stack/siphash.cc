#include "net/stack/siphash.h"

#include <bit>

namespace junction::net {

namespace {

struct SipState {
  uint64_t v0, v1, v2, v3;

  void Round() {
    v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
    v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
  }
  void Absorb(uint64_t m) {  // c = 2 compression rounds per word
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

// Little-endian load of up to 8 bytes.
uint64_t LoadLe(std::span<const std::byte> b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); ++i) v |= uint64_t{std::to_integer<uint8_t>(b[i])} << (8 * i);
  return v;
}

}  // namespace

uint64_t SipHash24(const SipKey& key, std::span<const std::byte> msg) {
  SipState s{key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
             key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
  size_t whole = msg.size() & ~size_t{7};
  for (size_t i = 0; i < whole; i += 8) s.Absorb(LoadLe(msg.subspan(i, 8)));
  // The last word: the remaining bytes, the length's low byte on top.
  s.Absorb(LoadLe(msg.subspan(whole)) | (uint64_t{msg.size() & 0xff} << 56));
  s.v2 ^= 0xff;  // d = 4 finalization rounds
  for (int i = 0; i < 4; ++i) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace junction::net
