// Finds the file for a command name the way execvp(3) does.
#pragma once

#include <string>

#include "libos/loader/loader.h"

namespace junction::libos::loader {

inline constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// A name containing '/' is used as is. A bare name is searched in the
// ':'-separated `path_env` (kDefaultPath if empty; an empty element means the
// current directory): the first executable regular file wins. If none is
// found: kNotExecutable/EACCES when some candidate exists but may not be
// executed (or is a directory), else kNotFound/ENOENT ("NAME: command not
// found").
bool LookupCommand(LoaderEnv& env, const std::string& name, const std::string& path_env,
                   std::string* resolved, LoadError* err);

}  // namespace junction::libos::loader
