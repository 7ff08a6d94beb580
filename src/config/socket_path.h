// The daemon's control socket: its default path and the environment
// variable that overrides it for `run`, `ps` and `daemon`.
#pragma once

#include <string>
#include <vector>

#include "config/overrides.h"

namespace junction::config {

inline constexpr const char* kDefaultControlSocket = "/run/junction/control.sock";
inline constexpr const char* kSocketEnvVar = "JUNCTION_SOCKET";

// $JUNCTION_SOCKET if set and non-empty, else kDefaultControlSocket.
// (`run` and `daemon` get the same effect through LoadAppConfig and
// LoadDaemonConfig, which also validate the path.)
std::string ControlSocketPath();

// $JUNCTION_SOCKET if set and non-empty, else empty.
std::string SocketPathFromEnvironment();

// `overrides` preceded by $JUNCTION_SOCKET as an override of `socket_key`
// (if set): the environment sits between the file and --set, which wins.
std::vector<Override> WithSocketFromEnvironment(const std::string& socket_key,
                                                const std::vector<Override>& overrides);

}  // namespace junction::config
