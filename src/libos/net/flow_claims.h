// Which process of the container owns each TCP connection several of them
// hold since a fork (net/flow_table.h, docs/network.md "Processes"): this
// process's side, the stack's NetStack::FlowShares over the table in the
// container's shared region.
#pragma once

#include <cstdint>

#include "net/flow_table.h"
#include "net/parked_segments.h"
#include "net/stack/stack.h"

namespace junction::libos::net {

// The stack's FlowShares (lives with the process).
junction::net::NetStack::FlowShares* FlowClaims();

// This process is member `member` of the container's switch port (the
// first process, or a forked child that joined), `parked` the region's
// area for segments kept for a claimer. Until then (a child before it
// joins) it can share and release copies but not claim one.
void SetFlowClaims(junction::net::NetFlowTable* table, junction::net::ParkedArea* parked,
                   uint32_t member);
// After a daemon restart this process has member number `member`: the
// connections it owns name it again (the new daemon removed them).
void RenumberFlowClaims(uint32_t member);
// In a forked child: no member number until it joins; the parent's
// claims are not ours.
void ForgetFlowClaimsAfterFork();

}  // namespace junction::libos::net
