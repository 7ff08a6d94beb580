// The per-process bypass stack and its link (see bypass.h).
#include "libos/net/bypass.h"

#include <sys/random.h>
#include <sys/syscall.h>

#include <atomic>

#include "libos/host/host.h"
#include "libos/process.h"
#include "net/switch_frame.h"
#include "sched/kthread.h"
#include "sched/spinlock.h"

namespace junction::libos::net {

namespace {

// The link when the daemon gave none: nothing leaves the container.
class NoWireLink : public junction::net::NetLink {
 public:
  NoWireLink(junction::net::MacAddr mac, uint16_t mtu) : mac_(mac), mtu_(mtu) {}
  junction::net::MacAddr mac() const override { return mac_; }
  uint16_t mtu() const override { return mtu_; }
  bool Transmit(std::span<const std::byte>) override { return false; }

 private:
  junction::net::MacAddr mac_;
  uint16_t mtu_;
};

sched::SpinLock g_lock;
junction::net::NetLink* g_link = nullptr;   // guarded by g_lock until the stack exists
std::atomic<junction::net::NetStack*> g_stack{nullptr};  // set once, lives with the process

}  // namespace

bool BypassMode() {
  const config::AppConfig* cfg = CurrentProcess().config;
  return cfg && cfg->net.mode == config::NetMode::kBypass && cfg->net.address;
}

void SetBypassLink(junction::net::NetLink* link) {
  sched::SpinGuard g(g_lock);
  g_link = link;
}

junction::net::NetStack* BypassStack() {
  if (!BypassMode()) return nullptr;
  if (auto* s = g_stack.load(std::memory_order_acquire)) return s;
  uint64_t now = sched::NowNs();  // not under g_lock
  // Secrets an off-path attacker must not guess (ISNs, ports, SYN cookies)
  // come from the host's getrandom; the clock and pid remain if it fails.
  uint64_t random[3] = {};
  bool have_random = host::Syscall(SYS_getrandom, host::L(random), sizeof random,
                                   GRND_NONBLOCK) == static_cast<long>(sizeof random);
  sched::SpinGuard g(g_lock);
  if (auto* s = g_stack.load()) return s;
  const config::NetConfig& nc = CurrentProcess().config->net;
  junction::net::StackConfig sc;
  sc.addr = nc.address->addr;
  sc.prefix = nc.address->prefix;
  sc.gateway = nc.gateway.value_or(0);
  sc.clock = [] { return sched::NowNs(); };
  sc.seed = now ^ (static_cast<uint64_t>(CurrentProcess().host_pid) << 32);
  if (have_random) {
    sc.seed ^= random[0];
    sc.syncookie_key = {random[1], random[2]};
  }
  if (!g_link) {
    junction::net::Mac m = junction::net::ContainerMac(sc.addr);
    junction::net::MacAddr mac;
    for (size_t i = 0; i < 6; ++i) mac.b[i] = m[i];
    g_link = new NoWireLink(mac, static_cast<uint16_t>(nc.mtu));
  }
  auto* s = new junction::net::NetStack(g_link, sc);
  s->Announce();
  g_stack.store(s);
  return s;
}

void BypassRunTimers() {
  junction::net::NetStack* s = g_stack.load(std::memory_order_acquire);
  if (s && sched::NowNs() >= s->NextTimerNs()) s->Poll();
}

}  // namespace junction::libos::net
