// The daemon's control socket: its default path and the environment
// variable that overrides it for `run`, `ps` and `daemon`.
#pragma once

#include <string>

namespace junction::config {

inline constexpr const char* kDefaultControlSocket = "/run/junction/control.sock";
inline constexpr const char* kSocketEnvVar = "JUNCTION_SOCKET";

// $JUNCTION_SOCKET if set and non-empty, else kDefaultControlSocket.
// (`run` and `daemon` get the same effect through LoadAppConfig and
// LoadDaemonConfig, which also validate the path.)
std::string ControlSocketPath();

// $JUNCTION_SOCKET if set and non-empty, else empty.
std::string SocketPathFromEnvironment();

}  // namespace junction::config
