#include "net/dpdk_unused_tables.h"

#include <sys/mman.h>

#include <cstdint>

#if JUNCTION_HAVE_DPDK
#include <rte_ethdev.h>
#endif

namespace junction::net {

#if JUNCTION_HAVE_DPDK

void ReleaseUnusedDpdkTables() {
  // ethdev's dummy_queues_array[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT]
  // is static, but a constructor points every port's fast-path rx/tx queue
  // data at its row: the first and the last row bound it.
  constexpr uintptr_t kRow = RTE_MAX_QUEUES_PER_PORT * sizeof(void*);
  auto first = reinterpret_cast<uintptr_t>(rte_eth_fp_ops[0].rxq.data);
  auto last = reinterpret_cast<uintptr_t>(rte_eth_fp_ops[RTE_MAX_ETHPORTS - 1].rxq.data);
  if (first == 0 || last != first + (RTE_MAX_ETHPORTS - 1) * kRow) return;
  for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++) {
    if (reinterpret_cast<uintptr_t>(rte_eth_fp_ops[p].rxq.data) != first + p * kRow ||
        reinterpret_cast<uintptr_t>(rte_eth_fp_ops[p].txq.data) != first + p * kRow)
      return;
  }
  constexpr uintptr_t kPage = 4096;
  uintptr_t start = (first + kPage - 1) & ~(kPage - 1);
  uintptr_t end = (first + RTE_MAX_ETHPORTS * kRow) & ~(kPage - 1);
  if (start < end) madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
}

#else

void ReleaseUnusedDpdkTables() {}

#endif

}  // namespace junction::net
