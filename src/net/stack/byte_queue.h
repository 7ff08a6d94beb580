// ByteQueue: a TCP connection's send or receive bytes, a ring buffer that
// grows by doubling. A std::deque<std::byte> allocated and freed a 512-byte
// block per 512 bytes streamed and copied through segmented iterators; here
// bytes go in and out by memcpy of at most two pieces. Internal to
// src/net/stack (lock held).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

namespace junction::net {

class ByteQueue {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    buf_.reset();
    cap_ = head_ = size_ = 0;
  }

  void Append(std::span<const std::byte> data) {
    if (data.empty()) return;
    Reserve(size_ + data.size());
    size_t tail = (head_ + size_) & (cap_ - 1);
    size_t first = std::min(data.size(), cap_ - tail);
    std::memcpy(&buf_[tail], data.data(), first);
    std::memcpy(&buf_[0], data.data() + first, data.size() - first);
    size_ += data.size();
  }
  void Assign(std::span<const std::byte> data) {
    head_ = size_ = 0;
    Append(data);
  }

  // Drops the first n bytes (n <= size()). A buffer of up to
  // kKeepCapacity stays (a stream's reader empties its queue at every read;
  // giving it back would cost an allocation and regrowth each time). A
  // larger one is freed when the queue empties and halved while it holds
  // less than an eighth of it: only queued bytes count against the stack's
  // max_socket_mem, so an idle connection that once filled a large buffer
  // must not keep it.
  void PopFront(size_t n) {
    head_ = (head_ + n) & (cap_ - 1);
    size_ -= n;
    if (size_ == 0) head_ = 0;
    if (cap_ > kKeepCapacity) {
      if (size_ == 0) {
        clear();
      } else if (size_ < cap_ / 8) {
        Resize(std::max(kKeepCapacity, std::bit_ceil(size_) * 2));
      }
    }
  }

  size_t capacity() const { return cap_; }
  static constexpr size_t kKeepCapacity = 64 * 1024;

  // Bytes [off, off + n) (within size()) as one or two pieces.
  std::pair<std::span<const std::byte>, std::span<const std::byte>> Range(size_t off, size_t n) const {
    if (n == 0) return {};
    size_t at = (head_ + off) & (cap_ - 1);
    size_t first = std::min(n, cap_ - at);
    return {{&buf_[at], first}, {&buf_[0], n - first}};
  }
  // Copies bytes [off, off + out.size()) (within size()) to `out`.
  void CopyOut(size_t off, std::span<std::byte> out) const {
    auto [a, b] = Range(off, out.size());
    if (!a.empty()) std::memcpy(out.data(), a.data(), a.size());
    if (!b.empty()) std::memcpy(out.data() + a.size(), b.data(), b.size());
  }

 private:
  static constexpr size_t kMinCapacity = 4096;

  void Reserve(size_t need) {
    if (need <= cap_) return;
    size_t cap = std::max(cap_ * 2, kMinCapacity);
    while (cap < need) cap *= 2;
    Resize(cap);
  }
  // Moves the bytes to a new buffer of `cap` (a power of two >= size_).
  void Resize(size_t cap) {
    std::unique_ptr<std::byte[]> nb(new std::byte[cap]);  // no zero fill
    CopyOut(0, {nb.get(), size_});
    buf_ = std::move(nb);
    cap_ = cap;
    head_ = 0;
  }

  std::unique_ptr<std::byte[]> buf_;
  size_t cap_ = 0;  // 0 or a power of two
  size_t head_ = 0, size_ = 0;
};

}  // namespace junction::net
