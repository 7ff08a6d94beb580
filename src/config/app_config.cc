// Reading and validating the app config. The schema (keys, types, ranges,
// defaults) is documented in docs/configuration.md; keep the two in step.
#include "config/app_config.h"

#include <set>

#include "config/schema_reader.h"
#include "config/socket_path.h"
#include "config/toml_document.h"
#include "config/value_formats.h"

namespace junction::config {

namespace {

constexpr EnumName<CpuClass> kCpuClasses[] = {
    {"latency-critical", CpuClass::kLatencyCritical},
    {"best-effort", CpuClass::kBestEffort},
};
constexpr EnumName<NetMode> kNetModes[] = {
    {"host", NetMode::kHost},
    {"bypass", NetMode::kBypass},
};
constexpr EnumName<MountType> kMountTypes[] = {
    {"bind", MountType::kBind},
    {"tmpfs", MountType::kTmpfs},
};

constexpr int64_t kMaxCores = 256;
constexpr uint64_t kMaxMemoryBytes = 1ull << 50;  // 1 PiB; fits a TOML integer
constexpr int64_t kMaxId = 4294967294;            // (uid_t)-1 means "unchanged"

Status ReadAbsolutePath(const TableReader& t, std::string_view key, std::string* out) {
  std::string path = *out;
  CONFIG_TRY(t.ReadString(key, &path));
  if (t.Has(key) && !IsAbsolutePath(path)) {
    return t.ErrorAt(key, "\"" + path + "\" is not an absolute path; it must start with '/'");
  }
  *out = path;
  return Ok{};
}

// A size given as an integer of bytes or a string like "64M".
Status ReadByteSize(const TableReader& t, std::string_view key, uint64_t max, uint64_t* out) {
  const toml::node* n = t.Find(key);
  if (n == nullptr) return Ok{};
  uint64_t bytes = 0;
  if (n->is_integer()) {
    const int64_t v = n->as_integer()->get();
    if (v < 0) return t.ErrorAt(key, std::to_string(v) + " is out of range; sizes are >= 0");
    bytes = static_cast<uint64_t>(v);
  } else if (n->is_string()) {
    std::string why;
    if (!ParseByteSize(n->as_string()->get(), &bytes, &why)) {
      return t.ErrorAt(key, "\"" + n->as_string()->get() + "\": " + why);
    }
  } else {
    return t.TypeError(key, "a size (a string like \"512M\" or an integer of bytes)");
  }
  if (bytes > max) {
    return t.ErrorAt(key, "size is out of range; allowed: up to " + FormatByteSize(max));
  }
  *out = bytes;
  return Ok{};
}

Status ReadCpu(const TableReader& root, CpuConfig* cpu) {
  auto table = root.Table("cpu");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly(
      {"max_cores", "guaranteed_cores", "spinning_kthreads", "class", "time_slice_us"}));
  CONFIG_TRY(t.ReadInt("max_cores", 1, kMaxCores, &cpu->max_cores));
  CONFIG_TRY(t.ReadInt("guaranteed_cores", 0, kMaxCores, &cpu->guaranteed_cores));
  CONFIG_TRY(t.ReadInt("spinning_kthreads", 0, kMaxCores, &cpu->spinning_kthreads));
  CONFIG_TRY(t.ReadEnum("class", kCpuClasses, &cpu->cls));
  CONFIG_TRY(t.ReadInt("time_slice_us", 10, 1000000, &cpu->time_slice_us));
  if (cpu->guaranteed_cores > cpu->max_cores) {
    return t.ErrorAt("guaranteed_cores",
                     std::to_string(cpu->guaranteed_cores) + " guaranteed cores exceed " +
                         "cpu.max_cores = " + std::to_string(cpu->max_cores) +
                         "; allowed: 0..max_cores");
  }
  if (cpu->spinning_kthreads > cpu->max_cores) {
    return t.ErrorAt("spinning_kthreads",
                     std::to_string(cpu->spinning_kthreads) + " spinning kthreads exceed " +
                         "cpu.max_cores = " + std::to_string(cpu->max_cores) +
                         "; allowed: 0..max_cores");
  }
  return Ok{};
}

Status ReadNet(const TableReader& root, NetConfig* net) {
  auto table = root.Table("net");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"mode", "address", "gateway", "mtu"}));
  CONFIG_TRY(t.ReadEnum("mode", kNetModes, &net->mode));
  CONFIG_TRY(t.ReadInt("mtu", 576, 9000, &net->mtu));

  if (net->mode == NetMode::kHost) {
    for (std::string_view key : {"address", "gateway"}) {
      if (t.Has(key)) {
        return t.ErrorAt(key, "only used when net.mode = \"bypass\"; in \"host\" mode the "
                              "container shares the host's addresses");
      }
    }
    net->address.reset();
    net->gateway.reset();
    return Ok{};
  }

  // Bypass: the daemon gives the container its own address.
  if (!t.Has("address")) {
    ConfigError e = t.Has("mode") ? t.ErrorAt("mode", "") : t.ErrorAt("address", "");
    e.key = t.PathOf("address");
    e.message = "required when net.mode = \"bypass\"; give an IPv4 address with prefix, "
                "like \"10.99.0.2/24\"";
    return e;
  }
  std::string text;
  CONFIG_TRY(t.ReadString("address", &text));
  Ipv4Cidr cidr;
  std::string why;
  if (!ParseCidr(text, &cidr, &why)) return t.ErrorAt("address", "\"" + text + "\": " + why);
  if (cidr.prefix == 0) {
    return t.ErrorAt("address", "\"" + text + "\": prefix length 0 is not allowed; allowed: 1..32");
  }
  const uint32_t host_bits = ~PrefixMask(cidr.prefix);
  if (cidr.prefix <= 30 && ((cidr.addr & host_bits) == 0 || (cidr.addr & host_bits) == host_bits)) {
    return t.ErrorAt("address", "\"" + text +
                                    "\" is the network or broadcast address of its subnet; "
                                    "use a host address, like \"10.99.0.2/24\"");
  }
  net->address = cidr;

  if (t.Has("gateway")) {
    CONFIG_TRY(t.ReadString("gateway", &text));
    std::optional<uint32_t> gw = ParseIpv4(text);
    if (!gw) {
      return t.ErrorAt("gateway",
                       "\"" + text + "\" is not an IPv4 address; expected e.g. \"10.99.0.1\"");
    }
    if (!InSubnet(cidr, *gw)) {
      const Ipv4Cidr subnet{cidr.addr & PrefixMask(cidr.prefix), cidr.prefix};
      return t.ErrorAt("gateway", "\"" + text + "\" is outside the subnet " + subnet.ToString() +
                                      " of net.address; the gateway must be in that subnet");
    }
    if (*gw == cidr.addr) {
      return t.ErrorAt("gateway", "\"" + text + "\" is the container's own address "
                                                "(net.address); the gateway must differ");
    }
    net->gateway = *gw;
  }
  return Ok{};
}

// One [[fs.mounts]] entry.
Status ReadMount(const TableReader& t, Mount* m) {
  CONFIG_TRY(t.AllowOnly({"type", "target", "source", "read_only", "size"}));
  if (!t.Has("type")) {
    return t.ErrorAt("type", "required; allowed values: \"bind\", \"tmpfs\"");
  }
  CONFIG_TRY(t.ReadEnum("type", kMountTypes, &m->type));
  if (!t.Has("target")) return t.ErrorAt("target", "required: the absolute path in the container");
  CONFIG_TRY(ReadAbsolutePath(t, "target", &m->target));
  while (m->target.size() > 1 && m->target.back() == '/') m->target.pop_back();
  if (m->target == "/") {
    return t.ErrorAt("target", "a mount cannot replace \"/\"; set fs.root instead");
  }
  if (m->type == MountType::kBind) {
    if (t.Has("size")) return t.ErrorAt("size", "only used by tmpfs mounts");
    if (!t.Has("source")) return t.ErrorAt("source", "required for bind mounts: the host path");
    CONFIG_TRY(ReadAbsolutePath(t, "source", &m->source));
    CONFIG_TRY(t.ReadBool("read_only", &m->read_only));
  } else {
    if (t.Has("source")) return t.ErrorAt("source", "only used by bind mounts");
    if (t.Has("read_only")) return t.ErrorAt("read_only", "only used by bind mounts");
    CONFIG_TRY(ReadByteSize(t, "size", kMaxMemoryBytes, &m->size_bytes));
  }
  return Ok{};
}

Status ReadFs(const TableReader& root, FsConfig* fs) {
  auto table = root.Table("fs");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"root", "mounts"}));
  CONFIG_TRY(ReadAbsolutePath(t, "root", &fs->root));
  auto mounts = t.Array("mounts");
  CONFIG_TRY(mounts);
  if (mounts.value() == nullptr) return Ok{};
  std::set<std::string> targets;
  size_t index = 0;
  for (const toml::node& element : *mounts.value()) {
    const std::string path = t.PathOf("mounts") + "[" + std::to_string(index++) + "]";
    if (!element.is_table()) {
      return t.ErrorAtNode(element, path, ExpectedMessage("a table (use [[fs.mounts]])", element));
    }
    TableReader mount_reader(&t.origins(), element.as_table(), path);
    Mount m;
    CONFIG_TRY(ReadMount(mount_reader, &m));
    if (!targets.insert(m.target).second) {
      return mount_reader.ErrorAt("target", "\"" + m.target +
                                                "\" is already the target of an earlier mount; "
                                                "mount targets must be unique");
    }
    fs->mounts.push_back(std::move(m));
  }
  return Ok{};
}

Status ReadEnv(const TableReader& root, EnvConfig* env) {
  auto table = root.Table("env");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"inherit", "vars"}));
  CONFIG_TRY(t.ReadBool("inherit", &env->inherit));
  auto vars = t.Table("vars");
  CONFIG_TRY(vars);
  const toml::node* vars_node = t.Find("vars");
  if (vars_node == nullptr) return Ok{};
  for (auto&& [key, value] : *vars_node->as_table()) {
    const std::string name(key.str());
    const std::string path = vars.value().PathOf(name);
    if (name.empty() || name.find('=') != std::string::npos) {
      return vars.value().ErrorAtNode(value, path,
                                      "environment variable names must be non-empty and "
                                      "contain no '='");
    }
    if (!value.is_string()) {
      return vars.value().ErrorAtNode(
          value, path, ExpectedMessage("a string (quote numbers: X = \"1\")", value));
    }
    env->vars[name] = value.as_string()->get();
  }
  return Ok{};
}

Status ReadLimits(const TableReader& root, LimitsConfig* limits) {
  auto table = root.Table("limits");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"memory", "open_files"}));
  CONFIG_TRY(ReadByteSize(t, "memory", kMaxMemoryBytes, &limits->memory_bytes));
  if (t.Has("open_files")) {
    uint64_t n = 0;
    CONFIG_TRY(t.ReadInt("open_files", 1, 1 << 20, &n));
    limits->open_files = n;
  }
  return Ok{};
}

Status ReadDaemon(const TableReader& root, std::optional<std::string>* socket) {
  auto table = root.Table("daemon");
  CONFIG_TRY(table);
  const TableReader& t = table.value();
  CONFIG_TRY(t.AllowOnly({"socket"}));
  if (!t.Has("socket")) return Ok{};
  std::string path;
  CONFIG_TRY(ReadAbsolutePath(t, "socket", &path));
  if (path.size() >= 108) {
    return t.ErrorAt("socket", "path is too long for a unix socket; allowed: up to 107 bytes");
  }
  *socket = path;
  return Ok{};
}

ConfigResult<AppConfig> ReadApp(const TomlDocument& doc) {
  TableReader t(&doc.origins, &doc.root, "");
  CONFIG_TRY(t.AllowOnly(
      {"name", "cpu", "net", "fs", "env", "workdir", "uid", "gid", "limits", "daemon"}));
  AppConfig cfg = DefaultAppConfig();
  cfg.source_path = doc.origins.file();
  CONFIG_TRY(t.ReadString("name", &cfg.name));
  if (!IsValidName(cfg.name)) {
    return t.ErrorAt("name", "\"" + cfg.name +
                                 "\" is not a valid name; allowed: 1..63 characters of "
                                 "letters, digits, '_', '.' and '-'");
  }
  CONFIG_TRY(ReadCpu(t, &cfg.cpu));
  CONFIG_TRY(ReadNet(t, &cfg.net));
  CONFIG_TRY(ReadFs(t, &cfg.fs));
  CONFIG_TRY(ReadEnv(t, &cfg.env));
  CONFIG_TRY(ReadAbsolutePath(t, "workdir", &cfg.workdir));
  for (auto [key, id] : {std::pair{"uid", &cfg.uid}, std::pair{"gid", &cfg.gid}}) {
    if (!t.Has(key)) continue;
    uint32_t value = 0;
    CONFIG_TRY(t.ReadInt(key, 0, kMaxId, &value));
    *id = value;
  }
  CONFIG_TRY(ReadLimits(t, &cfg.limits));
  CONFIG_TRY(ReadDaemon(t, &cfg.daemon_socket));
  return cfg;
}

}  // namespace

AppConfig DefaultAppConfig() {
  AppConfig cfg;
  cfg.source_path = "<default>";
  cfg.name = "app";
  return cfg;
}

ConfigResult<AppConfig> ParseAppConfig(std::string_view toml_text, const std::string& source_name,
                                       const std::vector<Override>& overrides) {
  auto doc = ParseTomlDocument(toml_text, source_name, overrides);
  CONFIG_TRY(doc);
  return ReadApp(doc.value());
}

ConfigResult<AppConfig> LoadAppConfig(const std::string& path,
                                      const std::vector<Override>& overrides) {
  // No file: the built-in defaults, still with the environment and --set.
  ConfigResult<std::string> text = path.empty() ? ConfigResult<std::string>(std::string())
                                                : ReadConfigFile(path);
  CONFIG_TRY(text);
  return ParseAppConfig(text.value(), path.empty() ? "<default>" : path,
                    WithSocketFromEnvironment("daemon.socket", overrides));
}

}  // namespace junction::config
