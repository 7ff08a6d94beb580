#!/usr/bin/env python3
"""A tiny DNS responder on 127.0.0.1 for tests: every A query is answered
with 10.1.2.3, any other type with no records. Prints its port, then
serves until killed."""
import socket
import struct
import sys

def answer(q):
    ident, _flags, qd = struct.unpack("!HHH", q[:6])
    if qd != 1:
        return None
    end = 12
    while q[end] != 0:
        end += 1 + q[end]
    qtype, _qclass = struct.unpack("!HH", q[end + 1:end + 5])
    question = q[12:end + 5]
    an = 1 if qtype == 1 else 0
    out = struct.pack("!HHHHHH", ident, 0x8180, 1, an, 0, 0) + question
    if an:
        out += struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([10, 1, 2, 3])
    return out

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
sys.stdout.close()
while True:
    q, peer = s.recvfrom(512)
    try:
        r = answer(q)
    except (IndexError, struct.error):
        r = None
    if r:
        s.sendto(r, peer)
