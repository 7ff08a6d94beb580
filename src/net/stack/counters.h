// What the stack counts: every frame dropped is counted under its reason.
#pragma once

#include <cstdint>

namespace junction::net {

#define JUNCTION_STACK_COUNTERS(X)                                          \
  X(rx_frames) X(rx_bytes) X(tx_frames) X(tx_bytes)                         \
  X(tx_link_full)       /* NetLink::Transmit returned false */             \
  X(rx_runt)            /* shorter than an Ethernet header */              \
  X(rx_not_for_us)      /* unicast to another MAC or IP */                 \
  X(rx_bad_ethertype)                                                       \
  X(arp_bad) X(arp_requests_in) X(arp_replies_in) X(arp_requests_out)       \
  X(arp_replies_out) X(arp_unresolved_drops)                               \
  X(arp_probes_out)     /* unicast re-resolution of a STALE entry in use */ \
  X(ip_bad_header)      /* version, IHL, length fields */                  \
  X(ip_bad_checksum) X(ip_fragments_in) X(ip_reassembled)                   \
  X(ip_fragments_out) X(ip_no_route) X(ip_bad_proto) X(ip_loopback)         \
  X(icmp_bad) X(icmp_echo_in) X(icmp_errors_in) X(icmp_errors_out)          \
  X(icmp_rate_limited)                                                      \
  X(udp_in) X(udp_out) X(udp_bad) X(udp_no_port) X(udp_rcvbuf_drops)        \
  X(tcp_in) X(tcp_out) X(tcp_bad) X(tcp_rst_out) X(tcp_retransmits)         \
  X(tcp_loss_probes)    /* tail loss probes (also counted as retransmits) */ \
  X(tcp_syn_queue_drops) X(tcp_accept_queue_drops) X(tcp_conn_limit_drops)  \
  X(tcp_mem_drops) X(tcp_out_of_window)                                     \
  X(tcp_time_wait_overflow)  /* closed at once: max_time_wait reached */  \
  X(tcp_delegated_syn_drops)  /* a listener handed to forked processes */ \
  X(tcp_undecided_drops)  /* for a connection shared by a fork, unclaimed */ \
  X(tcp_parked)           /* kept for the process that claims it instead */ \
  X(tcp_syncookies_sent)      /* SYN-ACKs with a cookie (SYN queue full) */ \
  X(tcp_syncookies_ok)        /* ACKs whose cookie made a connection */   \
  X(tcp_syncookies_failed)    /* ACKs with a wrong or stale cookie: reset */ \
  X(tcp_abort_on_data)  /* data after close(): reset, as Linux */          \
  X(tcp_handed_over)    /* closing connections given to the daemon at exit */ \
  X(tcp_adopted)        /* ... taken over (the daemon's orphan stacks) */    \
  X(tcp_adopt_refused)  /* records refused (impossible, or over a limit) */

struct StackCounters {
#define JUNCTION_DECLARE_COUNTER(name) uint64_t name = 0;
  JUNCTION_STACK_COUNTERS(JUNCTION_DECLARE_COUNTER)
#undef JUNCTION_DECLARE_COUNTER
};

}  // namespace junction::net
