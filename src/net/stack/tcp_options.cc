#include "net/stack/tcp_options.h"

#include <algorithm>

#include "net/stack/wire.h"

namespace junction::net {

bool ParseTcpOptions(std::span<const std::byte> o, TcpOptions* out) {
  size_t i = 0;
  while (i < o.size()) {
    uint8_t kind = std::to_integer<uint8_t>(o[i]);
    if (kind == 0) break;       // end of list
    if (kind == 1) { i++; continue; }  // NOP
    if (i + 1 >= o.size()) return false;
    uint8_t len = std::to_integer<uint8_t>(o[i + 1]);
    if (len < 2 || i + len > o.size()) return false;
    const std::byte* p = &o[i + 2];
    switch (kind) {
      case 2:
        if (len != 4) return false;
        out->mss = Load16(p);
        break;
      case 3:
        if (len != 3) return false;
        out->wscale = std::min<uint8_t>(std::to_integer<uint8_t>(p[0]), 14);  // RFC 7323 2.3
        break;
      case 4:
        if (len != 2) return false;
        out->sack_permitted = true;
        break;
      case 5:
        if ((len - 2) % 8 != 0) return false;
        for (int b = 0; b < (len - 2) / 8; ++b)
          out->sacks.emplace_back(Load32(p + 8 * b), Load32(p + 8 * b + 4));
        break;
      case 8:
        if (len != 10) return false;
        out->has_ts = true;
        out->tsval = Load32(p);
        out->tsecr = Load32(p + 4);
        break;
      default:
        break;  // unknown options are skipped
    }
    i += len;
  }
  return true;
}

}  // namespace junction::net
