#include "libos/loader/command_lookup.h"

#include <cerrno>
#include <climits>

namespace junction::libos::loader {

bool LookupCommand(LoaderEnv& env, const std::string& name, const std::string& path_env,
                   std::string* resolved, LoadError* err) {
  if (name.empty()) {
    *err = LoadError{LoadErrorKind::kNotFound, ENOENT, "empty command name"};
    return false;
  }
  if (name.find('/') != std::string::npos) {
    *resolved = name;
    return true;
  }
  const std::string& path = path_env.empty() ? std::string(kDefaultPath) : path_env;
  bool saw_unexecutable = false;
  size_t begin = 0;
  while (true) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    std::string candidate = dir.empty() ? name : dir + "/" + name;
    if (candidate.size() < PATH_MAX) {
      if (env.IsExecutable(candidate)) {
        *resolved = candidate;
        return true;
      }
      // Not runnable: find out whether it exists at all (EACCES vs ENOENT).
      auto fd = env.Open(candidate, /*for_exec=*/true);
      if (fd.ok()) env.Close(*fd);
      if (fd.ok() || fd.error() == EACCES) saw_unexecutable = true;
    }
    if (end == path.size()) break;
    begin = end + 1;
  }
  if (saw_unexecutable) {
    *err = LoadError{LoadErrorKind::kNotExecutable, EACCES, name + ": Permission denied"};
  } else {
    *err = LoadError{LoadErrorKind::kNotFound, ENOENT, name + ": command not found"};
  }
  return false;
}

}  // namespace junction::libos::loader
