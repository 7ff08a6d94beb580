#include "config/socket_path.h"

#include <cstdlib>

namespace junction::config {

std::string SocketPathFromEnvironment() {
  const char* env = std::getenv(kSocketEnvVar);
  return env != nullptr ? std::string(env) : std::string();
}

std::string ControlSocketPath() {
  std::string env = SocketPathFromEnvironment();
  return env.empty() ? std::string(kDefaultControlSocket) : env;
}

}  // namespace junction::config
