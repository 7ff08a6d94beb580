// A packet whose headers and payload the stack holds apart, joined into one
// buffer of its own: for a path that must keep the packet past the call
// (a loopback queue, a frame waiting for ARP) or a link that copies frames
// whole. Sized once, so the payload is copied once.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace junction::net {

inline std::vector<std::byte> JoinedPacket(std::span<const std::byte> head, std::span<const std::byte> body) {
  std::vector<std::byte> packet;
  packet.reserve(head.size() + body.size());
  packet.insert(packet.end(), head.begin(), head.end());
  packet.insert(packet.end(), body.begin(), body.end());
  return packet;
}

}  // namespace junction::net
