// Value formats inside config strings: IPv4, CIDR, sizes, names, PCI.
#include <doctest/doctest.h>

#include "config/config_kind.h"
#include "config/value_formats.h"

namespace junction::config {
namespace {

TEST_CASE("IPv4 addresses") {
  CHECK(ParseIpv4("10.99.0.1") == 0x0a630001u);
  CHECK(ParseIpv4("0.0.0.0") == 0u);
  CHECK(ParseIpv4("255.255.255.255") == 0xffffffffu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01.2.3.4", " 1.2.3.4",
                          "1.2.3.4 ", "a.b.c.d", "1.2.3.-4"}) {
    INFO(bad);
    CHECK_FALSE(ParseIpv4(bad).has_value());
  }
  CHECK(FormatIpv4(0x0a630001u) == "10.99.0.1");
}

TEST_CASE("CIDRs and subnets") {
  Ipv4Cidr c;
  std::string why;
  REQUIRE(ParseCidr("10.99.0.2/24", &c, &why));
  CHECK(c.addr == 0x0a630002u);
  CHECK(c.prefix == 24);
  CHECK(c.ToString() == "10.99.0.2/24");
  CHECK(InSubnet(c, 0x0a6300feu));
  CHECK_FALSE(InSubnet(c, 0x0a630100u));
  CHECK(PrefixMask(24) == 0xffffff00u);
  CHECK(PrefixMask(0) == 0u);
  CHECK(PrefixMask(32) == 0xffffffffu);
  CHECK_FALSE(ParseCidr("10.99.0.2", &c, &why));
  CHECK(why.find("prefix length") != std::string::npos);
  CHECK_FALSE(ParseCidr("10.99.0.2/33", &c, &why));
  CHECK(why.find("0..32") != std::string::npos);
  CHECK_FALSE(ParseCidr("10.99.0.2/x", &c, &why));
}

TEST_CASE("byte sizes") {
  uint64_t v = 0;
  std::string why;
  CHECK((ParseByteSize("64M", &v, &why) && v == 64ull << 20));
  CHECK((ParseByteSize("2g", &v, &why) && v == 2ull << 30));
  CHECK((ParseByteSize("1T", &v, &why) && v == 1ull << 40));
  CHECK((ParseByteSize("4096", &v, &why) && v == 4096));
  for (const char* bad : {"", "M", "1.5G", "-1", "1MB", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(ParseByteSize(bad, &v, &why));
  }
  CHECK(FormatByteSize(0) == "0");
  CHECK(FormatByteSize(64ull << 20) == "64M");
  CHECK(FormatByteSize(1536) == "1536");
  CHECK(FormatByteSize(2048) == "2K");
}

TEST_CASE("names, paths, interfaces, PCI addresses") {
  CHECK(IsValidName("a"));
  CHECK(IsValidName("web-1.prod_x"));
  CHECK_FALSE(IsValidName(""));
  CHECK_FALSE(IsValidName("a/b"));
  CHECK_FALSE(IsValidName(std::string(64, 'a')));
  CHECK(IsAbsolutePath("/x"));
  CHECK_FALSE(IsAbsolutePath("x"));
  CHECK(IsValidInterfaceName("jtap0"));
  CHECK_FALSE(IsValidInterfaceName("a-very-long-interface"));
  CHECK(IsValidPciAddress("0000:03:00.0"));
  CHECK(IsValidPciAddress("0000:AF:1f.7"));
  CHECK_FALSE(IsValidPciAddress("0000:03:00.8"));
  CHECK_FALSE(IsValidPciAddress("0000:03:20.0"));
  CHECK_FALSE(IsValidPciAddress("03:00.0"));
}

TEST_CASE("config kind detection") {
  CHECK(DetectConfigKind("name = \"x\"\n") == ConfigKind::kApp);
  CHECK(DetectConfigKind("") == ConfigKind::kApp);
  CHECK(DetectConfigKind("not toml [") == ConfigKind::kApp);
  CHECK(DetectConfigKind("polling = \"busy\"\n") == ConfigKind::kDaemon);
  CHECK(DetectConfigKind("[nic]\nkind = \"tap\"\n") == ConfigKind::kDaemon);
  CHECK(DetectConfigKind("", {Override{"control.socket", "/x"}}) == ConfigKind::kDaemon);
}

}  // namespace
}  // namespace junction::config
