// Connections that outlive their process, finished by the daemon
// (docs/network.md "Connections outliving their process"). A process of a
// bypass container that exits hands its closing TCP connections over
// (TCP_HANDOVER, docs/daemon.md); the daemon keeps one NetStack per such
// address, standing for the process the way Linux's kernel keeps orphan
// sockets: it sends the rest of the data and the FIN, retransmits, answers
// the peer's FIN, resets on late data, and gives up on Linux's timeouts.
// A stack goes when its last connection does.
//
// The switch gives these stacks the frames of their connections before
// any container (a new container may have the address already), and,
// while no container has the address, its ARP and the TCP segments of
// unknown connections (reset, as Linux would); nothing else.
//
// Threading: the daemon loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "net/link.h"
#include "net/stack/stack.h"
#include "net/switch_frame.h"

namespace junction::net {

class OrphanStacks {
 public:
  // Frames the stacks send go to `route` (the switch); `clock` is
  // CLOCK_MONOTONIC in ns.
  using RouteFn = std::function<void(std::span<const uint8_t>)>;
  OrphanStacks(RouteFn route, std::function<uint64_t()> clock);
  ~OrphanStacks();

  // Takes over the connections a process of the container at `ip` / `mac`
  // handed over (NetStack::HandOverAtExit's encoding, untrusted). Returns
  // how many it took, or -1 if the records are malformed.
  int Adopt(uint32_t ip, const Mac& mac, std::span<const std::byte> records);

  bool empty() const { return stacks_.empty(); }
  // A new container has `ip`: connections in TIME-WAIT there are
  // forgotten (the new one's connections could reuse their 4-tuples, and
  // would reach the orphan stack instead).
  void AddressTaken(uint32_t ip);
  // A frame for one of our addresses: true if a stack took it. TCP
  // segments of a connection it finishes always; anything else only when
  // `owner_gone` (no container has the address now).
  bool Take(const ParsedFrame& f, std::span<const uint8_t> frame, bool owner_gone);
  // Runs due timers and drops stacks with nothing left. Returns stacks polled.
  int Poll(uint64_t now_ns);
  // CLOCK_MONOTONIC ns of the next timer, or UINT64_MAX.
  uint64_t NextTimerNs() const;
  // Connections being finished, over all addresses (ps, tests).
  size_t connections() const;

 private:
  class Link;
  struct Entry {
    std::unique_ptr<Link> link;
    std::unique_ptr<NetStack> stack;
  };
  // Routes what the stacks sent, after the call that sent it returned: a
  // frame for another orphan stack must not reach it while the sender
  // holds its own lock (two of them answering each other).
  void Drain();

  RouteFn route_;
  std::function<uint64_t()> clock_;
  std::vector<std::vector<uint8_t>> pending_;
  bool draining_ = false;
  std::map<uint32_t, Entry> stacks_;  // by IPv4 address (host byte order)
};

}  // namespace junction::net
