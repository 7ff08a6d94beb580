// The app (container) configuration: one TOML file per `junction run`.
// Every key, type and default is documented in docs/configuration.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "config/overrides.h"

namespace junction::config {

enum class CpuClass { kLatencyCritical, kBestEffort };
enum class NetMode { kHost, kBypass };
enum class MountType { kBind, kTmpfs };

struct CpuConfig {
  int max_cores = 1;
  int guaranteed_cores = 0;
  int spinning_kthreads = 0;
  CpuClass cls = CpuClass::kBestEffort;
  int time_slice_us = 1000;
};

struct Ipv4Cidr {
  uint32_t addr = 0;  // host byte order
  int prefix = 0;
  std::string ToString() const;
};

struct NetConfig {
  NetMode mode = NetMode::kHost;
  std::optional<Ipv4Cidr> address;    // required in bypass mode
  std::optional<uint32_t> gateway;    // host byte order
  int mtu = 1500;
};

struct Mount {
  MountType type = MountType::kBind;
  std::string target;       // path inside the container
  std::string source;       // host path (bind only)
  bool read_only = false;   // bind only
  uint64_t size_bytes = 0;  // tmpfs only; 0 = default
};

struct FsConfig {
  std::string root = "/";
  std::vector<Mount> mounts;
};

struct EnvConfig {
  bool inherit = true;
  std::map<std::string, std::string> vars;
};

struct LimitsConfig {
  uint64_t memory_bytes = 0;  // 0 = unlimited
  // RLIMIT_NOFILE, soft and hard (unset: the limits junction was started
  // with, as a native child inherits them).
  std::optional<uint64_t> open_files;
};

struct AppConfig {
  std::string source_path;  // file it came from, or "<default>"
  std::string name;
  CpuConfig cpu;
  NetConfig net;
  FsConfig fs;
  EnvConfig env;
  std::string workdir;      // empty = the caller's working directory
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  LimitsConfig limits;
  std::optional<std::string> daemon_socket;  // daemon.socket
};

// Parses an app config file, applies $JUNCTION_SOCKET (as daemon.socket)
// and then the --set overrides, and validates the result. Errors name file,
// line, column and key. An empty `path` means no file: the defaults.
ConfigResult<AppConfig> LoadAppConfig(const std::string& path,
                                      const std::vector<Override>& overrides = {});
// The same from text, without the environment (JUNCTION_SOCKET).
ConfigResult<AppConfig> ParseAppConfig(std::string_view toml_text,
                                       const std::string& source_name,
                                       const std::vector<Override>& overrides = {});

// The embedded default (what `packaging/examples/minimal.toml` says).
AppConfig DefaultAppConfig();

// The effective configuration, defaults filled in, as TOML.
std::string ToToml(const AppConfig& cfg);

}  // namespace junction::config
