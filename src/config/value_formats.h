// Text formats inside config values: IPv4 addresses and CIDRs, byte sizes,
// names, paths, PCI addresses. No TOML here; the schema code calls these and
// turns a false return into a ConfigError that carries `why`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/app_config.h"

namespace junction::config {

// "10.99.0.1" -> host byte order.
std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t addr);

// "10.99.0.2/24". Fails (with `why`) on a bad address or a prefix outside
// 0..32. Does not judge whether the address is usable as a host address.
bool ParseCidr(std::string_view text, Ipv4Cidr* out, std::string* why);

// The netmask of a prefix length, host byte order.
uint32_t PrefixMask(int prefix);

// True if `addr` lies in the subnet of `cidr`.
bool InSubnet(const Ipv4Cidr& cidr, uint32_t addr);

// "64M", "2G", "512K", "1T" (powers of 1024) or plain digits (bytes).
bool ParseByteSize(std::string_view text, uint64_t* out, std::string* why);
// The shortest exact form: "2G", "512M", or plain digits.
std::string FormatByteSize(uint64_t bytes);

// Container names: 1..63 characters of [a-zA-Z0-9_.-].
bool IsValidName(std::string_view name);

// An absolute path without NUL bytes.
bool IsAbsolutePath(std::string_view path);

// Network interface names: 1..15 characters, no '/', ':' or whitespace.
bool IsValidInterfaceName(std::string_view name);

// PCI addresses in the DDDD:BB:DD.F form (hex digits), e.g. "0000:03:00.0".
bool IsValidPciAddress(std::string_view text);

}  // namespace junction::config
