# The container's interfaces through the SIOCGIF* requests in a bypass
# container (tests/e2e/data/net_bypass.toml: eth0 10.99.0.2/24): the
# list, and eth0's flags, MTU, addresses and hardware address family.
import ctypes
import fcntl
import socket
import struct

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
buf = bytearray(40 * 8)
addr = ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))
res = fcntl.ioctl(s.fileno(), 0x8912, struct.pack("iL", len(buf), addr))  # SIOCGIFCONF
n = struct.unpack("iL", res)[0] // 40
print("interfaces", [(bytes(buf[i * 40:i * 40 + 16]).rstrip(b"\0").decode(),
                      socket.inet_ntoa(bytes(buf[i * 40 + 20:i * 40 + 24]))) for i in range(n)])


def ask(req, name=b"eth0"):
    return fcntl.ioctl(s.fileno(), req, struct.pack("16s24s", name, b""))


flags = struct.unpack("H", ask(0x8913)[16:18])[0]  # SIOCGIFFLAGS
print("flags up", bool(flags & 1), "broadcast", bool(flags & 2), "loopback", bool(flags & 8))
print("mtu", struct.unpack("i", ask(0x8921)[16:20])[0])  # SIOCGIFMTU
for label, req in (("addr", 0x8915), ("netmask", 0x891B), ("broadcast", 0x8919)):
    print(label, socket.inet_ntoa(ask(req)[20:24]))
print("hw family", struct.unpack("H", ask(0x8927)[16:18])[0])  # SIOCGIFHWADDR
try:
    ask(0x8915, b"eth1")
except OSError as e:
    print("eth1", e.errno == 19)
