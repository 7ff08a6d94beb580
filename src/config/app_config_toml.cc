// The effective app config as TOML, defaults filled in, in the order of
// docs/configuration.md. Parsing the output gives the same configuration.
#include "config/app_config.h"
#include "config/socket_path.h"
#include "config/toml_writer.h"
#include "config/value_formats.h"

namespace junction::config {

namespace {

std::string_view CpuClassName(CpuClass c) {
  return c == CpuClass::kLatencyCritical ? "latency-critical" : "best-effort";
}

void WriteMount(TomlWriter* w, const Mount& m) {
  w->ArrayOfTables("fs.mounts");
  w->String("type", m.type == MountType::kBind ? "bind" : "tmpfs");
  w->String("target", m.target);
  if (m.type == MountType::kBind) {
    w->String("source", m.source);
    w->Bool("read_only", m.read_only);
  } else {
    w->ByteSize("size", m.size_bytes);
  }
}

}  // namespace

std::string ToToml(const AppConfig& cfg) {
  TomlWriter w;
  w.String("name", cfg.name);
  if (!cfg.workdir.empty()) w.String("workdir", cfg.workdir);
  if (cfg.uid) w.Int("uid", *cfg.uid);
  if (cfg.gid) w.Int("gid", *cfg.gid);

  w.Table("cpu");
  w.Int("max_cores", cfg.cpu.max_cores);
  w.Int("guaranteed_cores", cfg.cpu.guaranteed_cores);
  w.Int("spinning_kthreads", cfg.cpu.spinning_kthreads);
  w.String("class", CpuClassName(cfg.cpu.cls));
  w.Int("time_slice_us", cfg.cpu.time_slice_us);

  w.Table("net");
  w.String("mode", cfg.net.mode == NetMode::kBypass ? "bypass" : "host");
  if (cfg.net.address) w.String("address", cfg.net.address->ToString());
  if (cfg.net.gateway) w.String("gateway", FormatIpv4(*cfg.net.gateway));
  w.Int("mtu", cfg.net.mtu);

  w.Table("fs");
  w.String("root", cfg.fs.root);
  for (const Mount& m : cfg.fs.mounts) WriteMount(&w, m);

  w.Table("env");
  w.Bool("inherit", cfg.env.inherit);
  if (!cfg.env.vars.empty()) {
    w.Table("env.vars");
    for (const auto& [name, value] : cfg.env.vars) w.String(name, value);
  }

  w.Table("limits");
  w.ByteSize("memory", cfg.limits.memory_bytes);
  if (cfg.limits.open_files) w.Int("open_files", static_cast<int64_t>(*cfg.limits.open_files));

  w.Table("daemon");
  w.String("socket", cfg.daemon_socket.value_or(kDefaultControlSocket));
  return w.text();
}

}  // namespace junction::config
