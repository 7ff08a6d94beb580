// DPDK's constructors fill static ethdev tables in every process of this
// binary, though only the daemon ever brings DPDK up.
#pragma once

namespace junction::net {

// Gives back the pages DPDK's constructors wrote to ethdev's per-queue
// dummy table (256 KiB, 64 resident pages), for a process that will never
// call rte_eal_init (a container's LibOS process). Every host fork copies
// the page-table entries of resident private memory and the child's exit
// drops them again, so pages no container process uses cost every fork.
// After this, DPDK's ethdev must not be used in this process. A no-op
// without DPDK or if the table is not laid out as expected.
void ReleaseUnusedDpdkTables();

}  // namespace junction::net
