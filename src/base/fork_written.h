// Placement of small LibOS variables that every fork writes in both
// processes (fork locks, the child list) or that a forked child resets.
//
// After a host fork every private page is copy-on-write in both processes:
// the first write to a page costs each process a page fault (a copy in the
// child). Spread over the LibOS's data and bss, these variables cost a
// dozen such faults per fork (docs/performance.md, Processes); in their own
// section (placed page-aligned after .data by src/cmd/child_text.ld, which
// asserts it fits one page) they share one page.
// Only for small variables: the section holds its zeros in the file. A lock
// other kthreads take often gets alignas(64) (no false sharing on the page).
#pragma once

#define JUNCTION_FORK_WRITTEN [[gnu::section("junction_fork_written")]]
