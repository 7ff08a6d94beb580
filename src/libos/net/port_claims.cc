// This process's marks in the container's port table (see port_claims.h).
#include "libos/net/port_claims.h"

#include <map>

#include "net/flow_hash.h"
#include "sched/kthread.h"
#include "sched/spinlock.h"

namespace junction::libos::net {

namespace {

namespace jn = junction::net;

sched::SpinLock g_lock;
jn::NetPortTable* g_table = nullptr;  // null: no daemon, or a child not joined yet
uint32_t g_bit = 0;
uint32_t g_queues = 1;
uint32_t g_epoch = 1;
// (proto << 16 | port) -> how many of this process's sockets marked it.
std::map<uint32_t, uint32_t>* g_counts = nullptr;

uint32_t Key(uint8_t proto, uint16_t port) { return uint32_t{proto} << 16 | port; }

}  // namespace

void SetPortClaims(jn::NetPortTable* table, uint32_t member, uint32_t queues) {
  uint32_t bit = uint32_t{1} << member;
  sched::SpinGuard g(g_lock);
  g_table = table;
  g_bit = bit;
  g_queues = queues == 0 ? 1 : queues;
  g_epoch++;
  g_counts = new std::map<uint32_t, uint32_t>();  // a parent's copy is not ours
}

void RenumberPortClaims(uint32_t member) {
  sched::SpinGuard g(g_lock);
  if (!g_table) return;
  g_bit = uint32_t{1} << member;
  for (auto& [key, count] : *g_counts) {
    if (std::atomic<uint32_t>* w = jn::PortWord(g_table, static_cast<uint8_t>(key >> 16),
                                                static_cast<uint16_t>(key)))
      w->fetch_or(g_bit, std::memory_order_release);
  }
}

void ForgetPortClaimsAfterFork() {
  g_lock.unlock();  // the fork copied it; only this thread runs now
  g_table = nullptr;
  g_bit = 0;
  g_epoch++;
}

uint32_t ClaimEpoch() { return __atomic_load_n(&g_epoch, __ATOMIC_RELAXED); }

void MarkPort(uint8_t proto, uint16_t port) {
  sched::SpinGuard g(g_lock);
  if (!g_table || port == 0) return;
  std::atomic<uint32_t>* w = jn::PortWord(g_table, proto, port);
  if (!w) return;
  if ((*g_counts)[Key(proto, port)]++ == 0) w->fetch_or(g_bit, std::memory_order_release);
}

void UnmarkPort(uint8_t proto, uint16_t port) {
  sched::SpinGuard g(g_lock);
  if (!g_table || port == 0) return;
  auto it = g_counts->find(Key(proto, port));
  if (it == g_counts->end()) return;
  if (--it->second > 0) return;
  g_counts->erase(it);
  if (std::atomic<uint32_t>* w = jn::PortWord(g_table, proto, port))
    w->fetch_and(~g_bit, std::memory_order_release);
}

bool ClaimEphemeralPort(uint8_t proto, jn::Ip4 local, uint16_t port, jn::Endpoint remote,
                        bool strict) {
  sched::SpinGuard g(g_lock);
  if (!g_table) return true;
  bool loopback = (remote.ip >> 24) == 127 || remote.ip == local;
  if (strict && g_queues > 1 && remote.port != 0 && !loopback) {
    // The daemon steers the flow to queue FlowHash % queues (flow_hash.h).
    int k = sched::CurrentKthreadIndex();
    uint32_t h = jn::FlowHash(local, remote.ip, port, remote.port, proto);
    if (k >= 0 && h % g_queues != static_cast<uint32_t>(k)) return false;
  }
  std::atomic<uint32_t>* w = jn::PortWord(g_table, proto, port);
  if (!w) return true;
  uint32_t cur = w->load(std::memory_order_acquire);
  for (;;) {
    if (cur & ~g_bit) return false;  // another process of the container receives there
    if (cur & g_bit) return true;
    if (w->compare_exchange_weak(cur, cur | g_bit, std::memory_order_acq_rel)) return true;
  }
}

}  // namespace junction::libos::net
