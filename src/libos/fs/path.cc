#include "libos/fs/path.h"

namespace junction::libos::fs {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.emplace_back(path, i, j - i);
    i = j + 1;
  }
  return out;
}

std::string JoinAbsolute(const std::vector<std::string>& comps) {
  if (comps.empty()) return "/";
  std::string out;
  for (const auto& c : comps) {
    out += '/';
    out += c;
  }
  return out;
}

bool IsCanonicalAbsolute(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/') return false;
  for (size_t i = 1; i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    size_t len = j - i;
    if (len == 0) return false;  // "//"
    if (path[i] == '.' && (len == 1 || (len == 2 && path[i + 1] == '.'))) return false;
    i = j + 1;
  }
  return true;
}

std::string NormalizeAbsolute(const std::string& path) {
  if (IsCanonicalAbsolute(path)) return path;  // the common case: no allocation but the copy
  std::vector<std::string> out;
  for (auto& c : SplitPath(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(std::move(c));
  }
  return JoinAbsolute(out);
}

bool PathCovers(const std::string& prefix, const std::string& path) {
  if (prefix == "/") return !path.empty() && path[0] == '/';
  return path.compare(0, prefix.size(), prefix) == 0 &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

std::string PathBelow(const std::string& prefix, const std::string& path) {
  if (prefix == "/") return path.size() > 1 ? path.substr(1) : std::string();
  return path.size() > prefix.size() ? path.substr(prefix.size() + 1) : std::string();
}

const char* PathBelowPtr(const std::string& prefix, const std::string& path) {
  if (prefix == "/") return path.size() > 1 ? path.c_str() + 1 : "";
  return path.size() > prefix.size() ? path.c_str() + prefix.size() + 1 : "";
}

bool HasDotDot(std::string_view path) {
  for (size_t i = 0; i < path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') return true;
    i = j + 1;
  }
  return false;
}

}  // namespace junction::libos::fs
