#include "net/net_counters.h"

namespace junction::net {

const char* DropName(Drop d) {
  switch (d) {
    case Drop::kRxRingFull: return "rx_ring_full";
    case Drop::kRxNoBuffer: return "rx_no_buffer";
    case Drop::kRxNoQueue: return "rx_no_queue";
    case Drop::kTooBig: return "too_big";
    case Drop::kBadDescriptor: return "bad_descriptor";
    case Drop::kRingCorrupt: return "ring_corrupt";
    case Drop::kMalformed: return "malformed";
    case Drop::kSpoofed: return "spoofed";
    case Drop::kNoRoute: return "no_route";
    case Drop::kNicFull: return "nic_full";
    case Drop::kCount: break;
  }
  return "?";
}

}  // namespace junction::net
