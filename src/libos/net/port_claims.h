// Which of the container's processes receive on which ports
// (net/port_table.h, docs/network.md "Processes"): this process's side.
// It sets its own bit in the shared port table while one of its sockets
// uses a port, so the daemon steers that port's packets to its rings.
#pragma once

#include <cstdint>

#include "net/port_table.h"
#include "net/stack/stack.h"

namespace junction::libos::net {

// This process is member `member` of the container's switch port, with
// `queues` packet-ring sets (its kthreads'). (The daemon cleared the bit of
// a previous holder of its number when that one left.) Starts a new claim
// epoch (ClaimEpoch).
void SetPortClaims(junction::net::NetPortTable* table, uint32_t member, uint32_t queues);
// After a daemon restart this process has member number `member`: every
// port it marked is marked again with its new bit (the daemon cleared the
// old ones).
void RenumberPortClaims(uint32_t member);
// In a forked child before it joins: its bit is not yet known; marks wait.
void ForgetPortClaimsAfterFork();

// Changes whenever this process's claims start afresh (a fork child's
// join): a socket remembers the epoch it marked its port in, so a copy
// inherited across fork marks again in the child.
uint32_t ClaimEpoch();

// One more (or one fewer) socket of this process receives on `port`
// (proto 6 TCP, 17 UDP). Nothing without a port table.
void MarkPort(uint8_t proto, uint16_t port);
void UnmarkPort(uint8_t proto, uint16_t port);

// The stack's ephemeral port filter (NetStack::SetPortFilter): a port no
// other process marked, claimed for this one; strict also asks that the
// connection's flow hash land on the calling kthread's rings.
bool ClaimEphemeralPort(uint8_t proto, junction::net::Ip4 local, uint16_t port,
                        junction::net::Endpoint remote, bool strict);

}  // namespace junction::libos::net
