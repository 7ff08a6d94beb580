#include "libos/loader/shebang.h"

#include <algorithm>
#include <cstring>

namespace junction::libos::loader {
namespace {

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

// First char in [p, end) that is not a space or tab, or nullptr.
const char* SkipBlanks(const char* p, const char* end) {
  for (; p < end; p++)
    if (!IsSpaceOrTab(*p)) return p;
  return nullptr;
}

// First space, tab or NUL in [p, end), or nullptr.
const char* FindTerminator(const char* p, const char* end) {
  for (; p < end; p++)
    if (IsSpaceOrTab(*p) || *p == '\0') return p;
  return nullptr;
}

}  // namespace

bool IsShebang(std::span<const uint8_t> head) {
  return head.size() >= 2 && head[0] == '#' && head[1] == '!';
}

bool ParseShebang(std::span<const uint8_t> head, Shebang* out, std::string* error) {
  // Like the kernel: a zero-filled buffer whose last byte is never part of
  // the line (it becomes the terminator).
  char buf[kBinprmBufSize] = {};
  memcpy(buf, head.data(), std::min(head.size(), sizeof(buf)));
  const char* buf_end = buf + sizeof(buf) - 1;
  if (buf[0] != '#' || buf[1] != '!') {
    *error = "not a #! script";
    return false;
  }
  const char* line_end = static_cast<const char*>(memchr(buf, '\n', sizeof(buf)));
  if (line_end == nullptr) {
    // No newline: accept only if the interpreter name visibly ends inside the
    // buffer; otherwise it may have been cut.
    const char* name = SkipBlanks(buf + 2, buf_end);
    if (name == nullptr || FindTerminator(name, buf_end) == nullptr) {
      *error = "#! line too long (interpreter name truncated)";
      return false;
    }
    line_end = buf_end;
  }
  while (line_end > buf + 2 && IsSpaceOrTab(line_end[-1])) line_end--;
  const char* name = SkipBlanks(buf + 2, line_end);
  if (name == nullptr || *name == '\0') {
    *error = "#! line names no interpreter";
    return false;
  }
  const char* name_end = FindTerminator(name, line_end);
  if (name_end == nullptr) name_end = line_end;
  *out = Shebang{};
  out->interpreter.assign(name, strnlen(name, name_end - name));
  if (name_end < line_end && *name_end != '\0') {
    const char* arg = SkipBlanks(name_end, line_end);
    if (arg != nullptr) {
      out->has_arg = true;
      out->arg.assign(arg, strnlen(arg, line_end - arg));  // a NUL ends it early
    }
  }
  return true;
}

std::vector<std::string> ShebangArgv(const Shebang& shebang, const std::string& script_path,
                                     const std::vector<std::string>& argv) {
  std::vector<std::string> result;
  result.reserve(argv.size() + 2);
  result.push_back(shebang.interpreter);
  if (shebang.has_arg) result.push_back(shebang.arg);
  result.push_back(script_path);
  for (size_t i = 1; i < argv.size(); i++) result.push_back(argv[i]);
  return result;
}

}  // namespace junction::libos::loader
