// The effective daemon config as TOML, defaults filled in.
#include "config/daemon_config.h"
#include "config/toml_writer.h"
#include "config/value_formats.h"

namespace junction::config {

namespace {

std::string_view NicKindName(NicKind k) {
  switch (k) {
    case NicKind::kTap: return "tap";
    case NicKind::kAfPacket: return "af_packet";
    case NicKind::kAfXdp: return "af_xdp";
    case NicKind::kPci: return "pci";
    case NicKind::kNone: break;
  }
  return "none";
}

std::string_view LogLevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: break;
  }
  return "info";
}

}  // namespace

std::string ToToml(const DaemonConfig& cfg) {
  TomlWriter w;
  w.String("polling", cfg.polling == PollingMode::kBusy ? "busy" : "adaptive");
  w.Int("tick_us", cfg.tick_us);
  if (cfg.managed_cores.empty()) w.Comment("empty: all cores but core 0");
  w.IntArray("cores", cfg.managed_cores);
  w.Bool("hugepages", cfg.hugepages);
  w.String("log_level", LogLevelName(cfg.log_level));

  w.Table("control");
  w.String("socket", cfg.control_socket);

  w.Table("nic");
  w.String("kind", NicKindName(cfg.nic.kind));
  if (!cfg.nic.interface.empty()) w.String("interface", cfg.nic.interface);
  if (cfg.nic.host_address) {
    w.String("host_address", Ipv4Cidr{*cfg.nic.host_address, cfg.nic.host_prefix}.ToString());
  }
  if (!cfg.nic.pci_address.empty()) w.String("pci_address", cfg.nic.pci_address);
  w.Int("mtu", cfg.nic.mtu);
  return w.text();
}

}  // namespace junction::config
