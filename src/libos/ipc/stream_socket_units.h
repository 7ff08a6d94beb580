// The units a unix stream socket's data travels in, and what each costs its
// sender, as Linux's (net/unix/af_unix.c unix_stream_sendmsg): a send is cut
// into skbs of at most a 3776-byte head plus 32 KiB of page frags (36544
// bytes), each copied from the sender's memory and queued whole before the
// next; a copy that faults ends the send (the skbs queued before it count).
// Each skb is charged its truesize to the sender's socket until the reader
// has consumed all of it; a send waits (or is EAGAIN) while the charge
// reaches SO_SNDBUF, and the socket polls writable while the charge is at
// most a quarter of it (unix_writable). Charge() is Linux 6.x's truesize,
// checked against SO_MEMINFO for every length from 1 to 36544.
#pragma once

#include <cstddef>

namespace junction::libos::ipc::stream_units {

inline constexpr size_t kMinSendBuffer = 4608;        // SOCK_MIN_SNDBUF
inline constexpr size_t kMaxHead = 3776;              // SKB_MAX_HEAD(0): a page less skb_shared_info
inline constexpr size_t kMaxFrags = 32768;            // UNIX_SKB_FRAGS_SZ
inline constexpr size_t kMinCharge = 768;             // a 1-byte skb's truesize

// The longest unit a socket with send buffer `sndbuf` sends (Linux keeps
// two in flight: at most half the buffer).
inline size_t MaxUnit(size_t sndbuf) {
  size_t half = sndbuf / 2 - 64;
  return half < kMaxHead + kMaxFrags ? half : kMaxHead + kMaxFrags;
}

// The send buffer setsockopt(SO_SNDBUF, val) gives: doubled (for the
// overhead), within net.core.wmem_max and SOCK_MIN_SNDBUF.
inline size_t SendBufferFor(int val, size_t wmem_max) {
  size_t v = val < 0 ? 0 : static_cast<size_t>(val);
  if (v > wmem_max) v = wmem_max;
  return v * 2 < kMinSendBuffer ? kMinSendBuffer : v * 2;
}

// The truesize of a unit of `len` bytes: the head's kmalloc size class
// (less the shared info at its end) plus the sk_buff and shared-info
// overhead, and the frags' whole pages.
inline size_t Charge(size_t len) {
  constexpr size_t kPage = 4096, kSharedInfo = 320, kOverhead = 576;
  size_t frags = 0;
  if (len > kMaxHead) {
    frags = (len - kMaxHead + kPage - 1) & ~(kPage - 1);
    if (frags > len) frags = len;
  }
  size_t head = ((len - frags + 63) & ~size_t{63}) + kSharedInfo;
  static constexpr size_t kClasses[] = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096};
  size_t alloc = head;
  for (size_t c : kClasses) {
    if (head <= c) {
      alloc = c;
      break;
    }
  }
  return alloc - kSharedInfo + kOverhead + ((frags + kPage - 1) & ~(kPage - 1));
}

}  // namespace junction::libos::ipc::stream_units
