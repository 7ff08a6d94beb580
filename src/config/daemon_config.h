// The daemon configuration (`junction daemon --config FILE`).
// Every key, type and default is documented in docs/configuration.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "config/overrides.h"
#include "config/socket_path.h"

namespace junction::config {

enum class PollingMode { kBusy, kAdaptive };
enum class NicKind { kNone, kTap, kAfPacket, kAfXdp, kPci };
enum class LogLevel { kError, kWarn, kInfo, kDebug };

struct NicConfig {
  NicKind kind = NicKind::kNone;
  std::string interface;            // tap, af_packet, af_xdp
  std::optional<uint32_t> host_address;  // tap: host side address
  int host_prefix = 24;
  std::string pci_address;          // pci: "0000:03:00.0"
  int mtu = 1500;
};

struct DaemonConfig {
  std::string source_path;
  std::vector<int> managed_cores;   // empty = all but core 0
  std::string control_socket = kDefaultControlSocket;  // control.socket
  PollingMode polling = PollingMode::kAdaptive;
  int tick_us = 10;
  NicConfig nic;
  bool hugepages = false;
  LogLevel log_level = LogLevel::kInfo;
};

// Parses a daemon config file, applies $JUNCTION_SOCKET (as control.socket)
// and then the --set overrides, and validates the result. Errors name file,
// line, column and key. An empty `path` (no --config) means the defaults.
ConfigResult<DaemonConfig> LoadDaemonConfig(const std::string& path,
                                            const std::vector<Override>& overrides = {});
// The same from text, without the environment (JUNCTION_SOCKET).
ConfigResult<DaemonConfig> ParseDaemonConfig(std::string_view toml_text,
                                             const std::string& source_name,
                                             const std::vector<Override>& overrides = {});
// The effective configuration, defaults filled in, as TOML.
std::string ToToml(const DaemonConfig& cfg);

}  // namespace junction::config
