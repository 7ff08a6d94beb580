#include "config/value_formats.h"

#include <charconv>
#include <cctype>

namespace junction::config {

namespace {

// Parses all of `text` as a decimal number no larger than `max`.
bool ParseDecimal(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  *out = v;
  return true;
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t addr = 0;
  for (int i = 0; i < 4; i++) {
    size_t dot = text.find('.');
    std::string_view part = (i < 3) ? text.substr(0, dot) : text;
    if (i < 3 && dot == std::string_view::npos) return std::nullopt;
    if (part.size() > 1 && part[0] == '0') return std::nullopt;  // no octal look-alikes
    uint64_t octet = 0;
    if (!ParseDecimal(part, 255, &octet)) return std::nullopt;
    addr = (addr << 8) | static_cast<uint32_t>(octet);
    if (i < 3) text.remove_prefix(dot + 1);
  }
  return addr;
}

std::string FormatIpv4(uint32_t addr) {
  return std::to_string(addr >> 24) + "." + std::to_string((addr >> 16) & 0xff) + "." +
         std::to_string((addr >> 8) & 0xff) + "." + std::to_string(addr & 0xff);
}

std::string Ipv4Cidr::ToString() const {
  return FormatIpv4(addr) + "/" + std::to_string(prefix);
}

bool ParseCidr(std::string_view text, Ipv4Cidr* out, std::string* why) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    *why = "expected an IPv4 address with a prefix length, like \"10.99.0.2/24\"";
    return false;
  }
  std::optional<uint32_t> addr = ParseIpv4(text.substr(0, slash));
  if (!addr) {
    *why = "\"" + std::string(text.substr(0, slash)) +
           "\" is not an IPv4 address; expected four numbers 0..255 like \"10.99.0.2/24\"";
    return false;
  }
  uint64_t prefix = 0;
  if (!ParseDecimal(text.substr(slash + 1), 32, &prefix)) {
    *why = "prefix length \"" + std::string(text.substr(slash + 1)) +
           "\" is not allowed; allowed: 0..32";
    return false;
  }
  out->addr = *addr;
  out->prefix = static_cast<int>(prefix);
  return true;
}

uint32_t PrefixMask(int prefix) {
  return prefix <= 0 ? 0u : (prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1));
}

bool InSubnet(const Ipv4Cidr& cidr, uint32_t addr) {
  const uint32_t mask = PrefixMask(cidr.prefix);
  return (cidr.addr & mask) == (addr & mask);
}

bool ParseByteSize(std::string_view text, uint64_t* out, std::string* why) {
  uint64_t unit = 1;
  if (!text.empty()) {
    switch (std::toupper(static_cast<unsigned char>(text.back()))) {
      case 'K': unit = 1ull << 10; break;
      case 'M': unit = 1ull << 20; break;
      case 'G': unit = 1ull << 30; break;
      case 'T': unit = 1ull << 40; break;
      default: break;
    }
    if (unit != 1) text.remove_suffix(1);
  }
  uint64_t count = 0;
  if (!ParseDecimal(text, UINT64_MAX / unit, &count)) {
    *why = "expected a size like \"512M\" or \"2G\" (suffix K, M, G or T, powers of 1024) "
           "or an integer number of bytes";
    return false;
  }
  *out = count * unit;
  return true;
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr struct { uint64_t unit; char suffix; } kUnits[] = {
      {1ull << 40, 'T'}, {1ull << 30, 'G'}, {1ull << 20, 'M'}, {1ull << 10, 'K'}};
  if (bytes == 0) return "0";
  for (const auto& u : kUnits) {
    if (bytes % u.unit == 0) return std::to_string(bytes / u.unit) + u.suffix;
  }
  return std::to_string(bytes);
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsAbsolutePath(std::string_view path) {
  return !path.empty() && path[0] == '/' && path.find('\0') == std::string_view::npos;
}

bool IsValidInterfaceName(std::string_view name) {
  if (name.empty() || name.size() > 15) return false;
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
        !std::isprint(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool IsValidPciAddress(std::string_view text) {
  // DDDD:BB:DD.F
  static constexpr std::string_view kShape = "xxxx:xx:xx.x";
  if (text.size() != kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); i++) {
    if (kShape[i] == 'x' ? !IsHex(text[i]) : text[i] != kShape[i]) return false;
  }
  // Device 0..1f, function 0..7.
  int device = 0;
  std::from_chars(text.data() + 8, text.data() + 10, device, 16);
  const int function = text[11] - '0';
  return device <= 0x1f && function >= 0 && function <= 7;
}

}  // namespace junction::config
