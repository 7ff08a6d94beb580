// Daemon config: valid files, every kind of invalid file, round trips.
#include <doctest/doctest.h>

#include "config/daemon_config.h"
#include "config_test_helpers.h"

namespace junction::config {
namespace {

using testing::Contains;
using testing::ParseDaemonError;
using testing::ParseDaemonOk;
using testing::Sets;

TEST_CASE("daemon config: defaults") {
  DaemonConfig d = ParseDaemonOk("");
  CHECK(d.control_socket == "/run/junction/control.sock");
  CHECK(d.polling == PollingMode::kAdaptive);
  CHECK(d.tick_us == 10);
  CHECK(d.managed_cores.empty());
  CHECK_FALSE(d.hugepages);
  CHECK(d.log_level == LogLevel::kInfo);
  CHECK(d.nic.kind == NicKind::kNone);
  CHECK(d.nic.mtu == 1500);
}

TEST_CASE("daemon config: every key is read") {
  DaemonConfig d = ParseDaemonOk(R"(
polling = "busy"
tick_us = 5
cores = [1, 2, 3]
hugepages = true
log_level = "debug"
[control]
socket = "/tmp/j.sock"
[nic]
kind = "tap"
interface = "jtap7"
host_address = "10.99.0.1/24"
mtu = 9000
)");
  CHECK(d.polling == PollingMode::kBusy);
  CHECK(d.tick_us == 5);
  CHECK(d.managed_cores == std::vector<int>{1, 2, 3});
  CHECK(d.hugepages);
  CHECK(d.log_level == LogLevel::kDebug);
  CHECK(d.control_socket == "/tmp/j.sock");
  CHECK(d.nic.kind == NicKind::kTap);
  CHECK(d.nic.interface == "jtap7");
  CHECK(d.nic.host_address == 0x0a630001u);
  CHECK(d.nic.host_prefix == 24);
  CHECK(d.nic.mtu == 9000);
}

TEST_CASE("daemon config: NIC kinds") {
  CHECK(ParseDaemonOk("[nic]\nkind = \"tap\"\n").nic.interface == "jtap0");
  DaemonConfig d = ParseDaemonOk("[nic]\nkind = \"af_xdp\"\ninterface = \"eth1\"\n");
  CHECK(d.nic.kind == NicKind::kAfXdp);
  CHECK(d.nic.interface == "eth1");
  CHECK(ParseDaemonOk("[nic]\nkind = \"af_packet\"\ninterface = \"veth0\"\n").nic.kind ==
        NicKind::kAfPacket);
  d = ParseDaemonOk("[nic]\nkind = \"pci\"\npci_address = \"0000:03:00.1\"\n");
  CHECK(d.nic.kind == NicKind::kPci);
  CHECK(d.nic.pci_address == "0000:03:00.1");

  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"af_packet\"\n"), 2, 8, "nic.interface",
                     "required when nic.kind is \"af_packet\" or \"af_xdp\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"pci\"\n"), 2, 8, "nic.pci_address",
                     "required when nic.kind = \"pci\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"pci\"\npci_address = \"03:00.0\"\n"), 3, 15,
                     "nic.pci_address", "expected DDDD:BB:DD.F");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"af_xdp\"\ninterface = \"eth1\"\n"
                                      "host_address = \"10.0.0.1/24\"\n"),
                     4, 16, "nic.host_address", "only used when nic.kind = \"tap\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"tap\"\nhost_address = \"10.0.0.1\"\n"), 3, 16,
                     "nic.host_address", "prefix length");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"pci\"\npci_address = \"0000:03:00.0\"\n"
                                      "interface = \"eth0\"\n"),
                     4, 13, "nic.interface", "only used when nic.kind is");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"tap\"\npci_address = \"0000:03:00.0\"\n"), 3, 15,
                     "nic.pci_address", "only used when nic.kind = \"pci\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"tap\"\ninterface = \"a/b\"\n"), 3, 13,
                     "nic.interface", "not a valid interface name");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nkind = \"mlx5\"\n"), 2, 8, "nic.kind",
                     "allowed values: \"tap\", \"af_packet\", \"af_xdp\", \"pci\", \"none\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("[nic]\nspeed = 1\n"), 2, 1, "nic.speed",
                     "allowed keys in [nic]: kind, interface, host_address, pci_address, mtu");
}

TEST_CASE("daemon config: cores") {
  CHECK_CONFIG_ERROR(ParseDaemonError("cores = [1, 2, 2]\n"), 1, 16, "cores[2]", "listed twice");
  CHECK_CONFIG_ERROR(ParseDaemonError("cores = [1024]\n"), 1, 10, "cores[0]", "allowed: 0..1023");
  CHECK_CONFIG_ERROR(ParseDaemonError("cores = [-1]\n"), 1, 10, "cores[0]", "allowed: 0..1023");
  CHECK_CONFIG_ERROR(ParseDaemonError("cores = [\"1\"]\n"), 1, 10, "cores[0]",
                     "expected an integer core number, got a string");
  CHECK_CONFIG_ERROR(ParseDaemonError("cores = 3\n"), 1, 9, "cores", "expected an array");
}

TEST_CASE("daemon config: other invalid values") {
  CHECK_CONFIG_ERROR(ParseDaemonError("polling = \"fast\"\n"), 1, 11, "polling",
                     "allowed values: \"busy\", \"adaptive\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("log_level = \"trace\"\n"), 1, 13, "log_level",
                     "\"error\", \"warn\", \"info\", \"debug\"");
  CHECK_CONFIG_ERROR(ParseDaemonError("tick_us = 0\n"), 1, 11, "tick_us", "allowed: 1..100000");
  CHECK_CONFIG_ERROR(ParseDaemonError("hugepages = 1\n"), 1, 13, "hugepages", "expected a boolean");
  CHECK_CONFIG_ERROR(ParseDaemonError("[control]\nsocket = \"x\"\n"), 2, 10, "control.socket",
                     "absolute path");
  CHECK_CONFIG_ERROR(ParseDaemonError("name = \"app\"\n"), 1, 1, "name",
                     "allowed keys at the top level: control, polling");
  ConfigError e = ParseDaemonError("polling = \"busy\n");
  CHECK(e.line == 1);
  CHECK(Contains(e.message, "TOML syntax error"));
}

TEST_CASE("daemon config: --set overrides") {
  DaemonConfig d = ParseDaemonOk("", Sets({"polling=busy", "cores=[2,3]", "nic.kind=tap",
                                           "nic.host_address=10.1.0.1/16"}));
  CHECK(d.polling == PollingMode::kBusy);
  CHECK(d.managed_cores == std::vector<int>{2, 3});
  CHECK(d.nic.host_prefix == 16);
  ConfigError e = ParseDaemonError("", Sets({"tick_us=0"}));
  CHECK(e.origin == "--set tick_us");
  CHECK(Contains(e.ToString(), "daemon.toml: --set tick_us: 0 is out of range"));
  e = ParseDaemonError("", Sets({"cores=[1,1]"}));
  CHECK(e.origin == "--set cores");
  CHECK(e.key == "cores[1]");
}

TEST_CASE("daemon config: round trip through ToToml") {
  for (const char* text :
       {"", "polling = \"busy\"\ncores = [0, 5]\n[nic]\nkind = \"tap\"\nhost_address = \"10.9.0.1/24\"\n",
        "[nic]\nkind = \"pci\"\npci_address = \"0000:af:1f.7\"\nmtu = 9000\n",
        "[nic]\nkind = \"af_packet\"\ninterface = \"eth0\"\n"}) {
    DaemonConfig first = ParseDaemonOk(text);
    const std::string toml = ToToml(first);
    DaemonConfig second = ParseDaemonOk(toml);
    CHECK(ToToml(second) == toml);
    CHECK(second.managed_cores == first.managed_cores);
    CHECK(second.nic.kind == first.nic.kind);
    CHECK(second.nic.host_address == first.nic.host_address);
  }
}

}  // namespace
}  // namespace junction::config
