#include "config/config_check.h"

#include "config/app_config.h"
#include "config/config_error.h"
#include "config/daemon_config.h"
#include "config/toml_document.h"

namespace junction::config {

namespace {

template <typename Config>
ConfigCheckOutcome Finish(const ConfigResult<Config>& cfg, std::string_view kind_name) {
  ConfigCheckOutcome out;
  if (!cfg) {
    out.exit_code = kExitUsage;
    out.error = cfg.error().ToString() + "\n";
    return out;
  }
  out.output = "# effective " + std::string(kind_name) + " config from " +
               cfg.value().source_path + "\n" + ToToml(cfg.value());
  return out;
}

}  // namespace

ConfigCheckOutcome CheckConfig(const ConfigCheckRequest& request) {
  std::vector<Override> overrides;
  for (const std::string& s : request.sets) {
    Override o;
    if (!ParseOverride(s, &o)) {
      ConfigCheckOutcome out;
      out.exit_code = kExitUsage;
      out.error = "--set expects KEY=VALUE (a dotted key, e.g. net.address=10.99.0.2/24), got '" +
                  s + "'\n";
      return out;
    }
    overrides.push_back(std::move(o));
  }
  ConfigKind kind = ConfigKind::kApp;
  if (request.kind) {
    kind = *request.kind;
  } else {
    auto text = ReadConfigFile(request.path);
    if (!text) return Finish(ConfigResult<AppConfig>(text.error()), "app");
    kind = DetectConfigKind(text.value(), overrides);
  }
  if (kind == ConfigKind::kDaemon) {
    return Finish(LoadDaemonConfig(request.path, overrides), "daemon");
  }
  return Finish(LoadAppConfig(request.path, overrides), "app");
}

}  // namespace junction::config
