#include "libos/strace_decode.h"

#include <cstdio>
#include <cstring>

namespace junction::libos {

std::string FormatSyscall(const SyscallArgs& args, long result) {
  const SyscallEntry& e = LookupSyscall(args.nr);
  char buf[512];
  int n;
  if (e.name)
    n = std::snprintf(buf, sizeof(buf), "%s(", e.name);
  else
    n = std::snprintf(buf, sizeof(buf), "syscall_%ld(", args.nr);
  std::string out(buf, static_cast<size_t>(n));
  for (int i = 0; i < 6; i++) {
    n = std::snprintf(buf, sizeof(buf), "%s%#lx", i ? ", " : "", static_cast<unsigned long>(args.a[i]));
    out.append(buf, static_cast<size_t>(n));
  }
  if (result < 0 && result > -4096) {
    const char* name = strerrorname_np(static_cast<int>(-result));
    n = std::snprintf(buf, sizeof(buf), ") = -1 %s (%s)", name ? name : "E?",
                      strerror(static_cast<int>(-result)));
  } else {
    n = std::snprintf(buf, sizeof(buf), ") = %ld", result);
  }
  out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace junction::libos
