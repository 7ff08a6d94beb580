// Reading and validating the daemon config. The schema (keys, types,
// ranges, defaults) is documented in docs/configuration.md.
#include "config/daemon_config.h"

#include <set>

#include "config/schema_reader.h"
#include "config/socket_path.h"
#include "config/toml_document.h"
#include "config/value_formats.h"

namespace junction::config {

namespace {

constexpr EnumName<PollingMode> kPollingModes[] = {
    {"busy", PollingMode::kBusy},
    {"adaptive", PollingMode::kAdaptive},
};
constexpr EnumName<LogLevel> kLogLevels[] = {
    {"error", LogLevel::kError},
    {"warn", LogLevel::kWarn},
    {"info", LogLevel::kInfo},
    {"debug", LogLevel::kDebug},
};
constexpr EnumName<NicKind> kNicKinds[] = {
    {"tap", NicKind::kTap},       {"af_packet", NicKind::kAfPacket},
    {"af_xdp", NicKind::kAfXdp},  {"pci", NicKind::kPci},
    {"none", NicKind::kNone},
};

constexpr int64_t kMaxCoreId = 1023;

Status ReadControl(const TableReader& root, std::string* socket) {
  auto table = root.Table("control");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"socket"}));
  if (!t.Has("socket")) return Ok{};
  std::string path;
  CONFIG_TRY(t.ReadString("socket", &path));
  if (!IsAbsolutePath(path)) {
    return t.ErrorAt("socket", "\"" + path + "\" is not an absolute path; it must start with '/'");
  }
  if (path.size() >= 108) {
    return t.ErrorAt("socket", "path is too long for a unix socket; allowed: up to 107 bytes");
  }
  *socket = path;
  return Ok{};
}

Status ReadCores(const TableReader& t, std::vector<int>* cores) {
  auto array = t.Array("cores");
  CONFIG_TRY(array);
  if (array.value() == nullptr) return Ok{};
  std::set<int64_t> seen;
  size_t index = 0;
  for (const toml::node& element : *array.value()) {
    const std::string path = "cores[" + std::to_string(index++) + "]";
    if (!element.is_integer()) {
      return t.ErrorAtNode(element, path, ExpectedMessage("an integer core number", element));
    }
    const int64_t core = element.as_integer()->get();
    if (core < 0 || core > kMaxCoreId) {
      return t.ErrorAtNode(element, path, std::to_string(core) +
                                              " is out of range; allowed: 0.." +
                                              std::to_string(kMaxCoreId));
    }
    if (!seen.insert(core).second) {
      return t.ErrorAtNode(element, path,
                           "core " + std::to_string(core) + " is listed twice; cores must be unique");
    }
    cores->push_back(static_cast<int>(core));
  }
  return Ok{};
}

// Which [nic] keys each kind uses.
bool UsesInterface(NicKind k) {
  return k == NicKind::kTap || k == NicKind::kAfPacket || k == NicKind::kAfXdp;
}

Status ReadNic(const TableReader& root, NicConfig* nic) {
  auto table = root.Table("nic");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"kind", "interface", "host_address", "pci_address", "mtu"}));
  CONFIG_TRY(t.ReadEnum("kind", kNicKinds, &nic->kind));
  CONFIG_TRY(t.ReadInt("mtu", 576, 9000, &nic->mtu));

  if (UsesInterface(nic->kind)) {
    if (nic->kind == NicKind::kTap) nic->interface = "jtap0";
    if (!t.Has("interface") && nic->kind != NicKind::kTap) {
      ConfigError e = t.ErrorAt("kind", "");
      e.key = t.PathOf("interface");
      e.message = "required when nic.kind is \"af_packet\" or \"af_xdp\": the host interface "
                  "to attach to, like \"eth1\"";
      return e;
    }
    CONFIG_TRY(t.ReadString("interface", &nic->interface));
    if (!IsValidInterfaceName(nic->interface)) {
      return t.ErrorAt("interface", "\"" + nic->interface +
                                        "\" is not a valid interface name; allowed: 1..15 "
                                        "characters, no '/', ':' or spaces");
    }
  } else if (t.Has("interface")) {
    return t.ErrorAt("interface", "only used when nic.kind is \"tap\", \"af_packet\" or \"af_xdp\"");
  }

  if (t.Has("host_address")) {
    if (nic->kind != NicKind::kTap) {
      return t.ErrorAt("host_address", "only used when nic.kind = \"tap\"");
    }
    std::string text;
    CONFIG_TRY(t.ReadString("host_address", &text));
    Ipv4Cidr cidr;
    std::string why;
    if (!ParseCidr(text, &cidr, &why)) {
      return t.ErrorAt("host_address", "\"" + text + "\": " + why);
    }
    if (cidr.prefix == 0) {
      return t.ErrorAt("host_address",
                       "\"" + text + "\": prefix length 0 is not allowed; allowed: 1..32");
    }
    nic->host_address = cidr.addr;
    nic->host_prefix = cidr.prefix;
  }

  if (nic->kind == NicKind::kPci) {
    if (!t.Has("pci_address")) {
      ConfigError e = t.ErrorAt("kind", "");
      e.key = t.PathOf("pci_address");
      e.message = "required when nic.kind = \"pci\": the port's PCI address, like \"0000:03:00.0\"";
      return e;
    }
    CONFIG_TRY(t.ReadString("pci_address", &nic->pci_address));
    if (!IsValidPciAddress(nic->pci_address)) {
      return t.ErrorAt("pci_address", "\"" + nic->pci_address +
                                          "\" is not a PCI address; expected DDDD:BB:DD.F in hex, "
                                          "like \"0000:03:00.0\"");
    }
  } else if (t.Has("pci_address")) {
    return t.ErrorAt("pci_address", "only used when nic.kind = \"pci\"");
  }
  return Ok{};
}

ConfigResult<DaemonConfig> ReadDaemon(const TomlDocument& doc) {
  TableReader t(&doc.origins, &doc.root, "");
  CONFIG_TRY(t.AllowOnly(
      {"control", "polling", "tick_us", "cores", "hugepages", "log_level", "nic"}));
  DaemonConfig cfg;
  cfg.source_path = doc.origins.file();
  CONFIG_TRY(ReadControl(t, &cfg.control_socket));
  CONFIG_TRY(t.ReadEnum("polling", kPollingModes, &cfg.polling));
  CONFIG_TRY(t.ReadInt("tick_us", 1, 100000, &cfg.tick_us));
  CONFIG_TRY(ReadCores(t, &cfg.managed_cores));
  CONFIG_TRY(t.ReadBool("hugepages", &cfg.hugepages));
  CONFIG_TRY(t.ReadEnum("log_level", kLogLevels, &cfg.log_level));
  CONFIG_TRY(ReadNic(t, &cfg.nic));
  return cfg;
}

}  // namespace

ConfigResult<DaemonConfig> ParseDaemonConfig(std::string_view toml_text,
                                             const std::string& source_name,
                                             const std::vector<Override>& overrides) {
  auto doc = ParseTomlDocument(toml_text, source_name, overrides);
  CONFIG_TRY(doc);
  return ReadDaemon(doc.value());
}

ConfigResult<DaemonConfig> LoadDaemonConfig(const std::string& path,
                                            const std::vector<Override>& overrides) {
  // No file: the built-in defaults, still with the environment and --set.
  ConfigResult<std::string> text = path.empty() ? ConfigResult<std::string>(std::string())
                                                : ReadConfigFile(path);
  CONFIG_TRY(text);
  return ParseDaemonConfig(text.value(), path.empty() ? "<default>" : path,
                    WithSocketFromEnvironment("control.socket", overrides));
}

}  // namespace junction::config
