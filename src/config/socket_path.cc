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

std::vector<Override> WithSocketFromEnvironment(const std::string& socket_key,
                                                const std::vector<Override>& overrides) {
  std::vector<Override> all;
  if (std::string env = SocketPathFromEnvironment(); !env.empty())
    all.push_back(Override{socket_key, env, kSocketEnvVar, true});
  all.insert(all.end(), overrides.begin(), overrides.end());
  return all;
}

}  // namespace junction::config
