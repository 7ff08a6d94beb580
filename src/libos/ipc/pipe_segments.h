// The units a pipe's or stream socket's queued bytes were written in, as
// Linux keeps them: a pipe holds a pipe_buffer per page a write filled
// (fs/pipe.c pipe_write: a write's first len % PAGE_SIZE bytes merge into
// the last buffer if they fit, the rest goes in page-sized units), a unix
// stream socket an skb per unit of a send (stream_socket_units.h). They matter when guest memory faults part-
// way: a read consumes and counts only the units it copied whole (else
// EFAULT, nothing consumed), a write commits only its whole units.
//
// Used on the lazy pipe path (built with -mgeneral-regs-only): the methods
// it calls are always_inline, integer-only and never allocate (Reset does,
// from PipeBuffer's constructor and SetSize only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace junction::libos::ipc {

class PipeSegments {
 public:
  PipeSegments() = default;
  PipeSegments(const PipeSegments&) = delete;  // ring_ may point into itself
  PipeSegments& operator=(const PipeSegments&) = delete;
  // `unit`: a pipe's page size (a power of two), or 0 for a stream socket
  // (one unit per write, never merged). `slots`: how many units are tracked; past that a
  // unit joins the last one (never for a pipe: its units are page-sized or
  // merged, so two neighbours hold over a page between them).
  void Reset(size_t slots, size_t unit) {
    if (!slots) slots = 1;
    // A default pipe's units fit in the object (no other cache line to
    // touch per write); a bigger pipe's live on the heap.
    std::vector<Seg> heap(slots > kInline ? slots : 0);
    Seg old_inline[kInline];
    for (size_t i = 0; i < kInline; i++) old_inline[i] = inline_[i];
    const Seg* old = ring_ == inline_ ? old_inline : ring_;
    size_t old_size = size_;
    Seg* fresh = slots > kInline ? heap.data() : inline_;
    size_t n = 0;
    for (size_t i = 0; i < count_; i++) {
      const Seg& s = old[(head_ + i) % old_size];
      if (n < slots) {
        fresh[n++] = s;
      } else {
        fresh[n - 1].len += s.len;
        fresh[n - 1].fill = kClosed;
      }
    }
    heap_.swap(heap);
    ring_ = fresh;
    size_ = slots;
    head_ = 0;
    count_ = n;
    unit_ = unit;
  }

  size_t unit() const { return unit_; }
  // Units holding queued bytes (a pipe's slots in use).
  [[gnu::always_inline]] size_t count() const { return count_; }
  // How many units are tracked (Reset's `slots`).
  size_t slots() const { return size_; }
  // The fresh units a write of `len` would take after its `merge` bytes
  // (one per page, a pipe's slots).
  [[gnu::always_inline]] size_t UnitsFor(size_t len, size_t merge) const {
    return (len - merge + unit_ - 1) / unit_;
  }
  [[gnu::always_inline]] void Clear() { head_ = count_ = 0; }

  // The bytes of a write of `len` that merge into the last unit (Linux
  // pipe_write's first step); `empty`: nothing is queued.
  [[gnu::always_inline]] size_t MergeBytes(size_t len, bool empty) const {
    if (!unit_ || empty || !count_) return 0;
    size_t chars = len & (unit_ - 1);
    return chars && Tail().fill + chars <= unit_ ? chars : 0;
  }

  // Records n bytes committed at offset `pos` of a write whose first
  // `merge` bytes merge into the last unit.
  [[gnu::always_inline]] void Add(size_t pos, size_t n, size_t merge) {
    while (n) {
      size_t x = n;
      bool fresh = false;
      if (pos < merge) {
        x = x < merge - pos ? x : merge - pos;
      } else {
        size_t rel = pos - merge;
        size_t off = unit_ ? rel & (unit_ - 1) : rel;
        if (unit_ && x > unit_ - off) x = unit_ - off;
        fresh = off == 0;
      }
      if (!count_ || (fresh && count_ < size_)) {
        size_t at = head_ + count_;
        if (at >= size_) at -= size_;
        ring_[at] = Seg{static_cast<uint32_t>(x), static_cast<uint32_t>(x)};
        count_++;
      } else {
        Seg& t = Tail();
        t.len += static_cast<uint32_t>(x);
        t.fill = fresh ? kClosed : t.fill + static_cast<uint32_t>(x);
      }
      pos += x;
      n -= x;
    }
  }

  // A write copied `c` bytes from offset `pos` (of `len`, `merge` merged)
  // and then faulted: how many of them to commit (its whole units).
  [[gnu::always_inline]] size_t WholeUnitsOfWrite(size_t pos, size_t c, size_t merge) const {
    size_t end = pos + c, b = 0;
    if (end >= merge && merge) b = merge;
    if (end >= merge && unit_) b = merge + ((end - merge) & ~(unit_ - 1));
    return b > pos ? b - pos : 0;
  }

  // A read of n bytes from the front copied only `c` (c < n): the bytes
  // of the units it copied whole (a unit longer than what is left of the
  // read counts as that much), 0 if none.
  [[gnu::always_inline]] size_t WholeUnitsOfRead(size_t n, size_t c) const {
    size_t acc = 0;
    for (size_t i = 0; i < count_ && acc < n; i++) {
      size_t at = head_ + i;
      if (at >= size_) at -= size_;
      size_t chunk = ring_[at].len < n - acc ? ring_[at].len : n - acc;
      if (acc + chunk > c) return acc;
      acc += chunk;
    }
    return acc;
  }

  // The lengths of the units holding the first n bytes (the last cut at n).
  void Lengths(size_t n, std::vector<size_t>* out) const {
    for (size_t i = 0; i < count_ && n; i++) {
      size_t len = ring_[(head_ + i) % size_].len;
      out->push_back(len < n ? len : n);
      n -= out->back();
    }
    if (n) out->push_back(n);  // bytes past the units known
  }

  // The last unit takes no merge (a unit tee(2) copied: Linux clears its
  // CAN_MERGE flag).
  void CloseTail() {
    if (count_) Tail().fill = kClosed;
  }

  // A stream socket's unit of n bytes that costs its sender `charge`
  // (stream_socket_units.h), in a fresh slot (the caller checked count()
  // against the slots it asked for).
  void AddUnit(size_t n, size_t charge) {
    size_t at = head_ + count_;
    if (at >= size_) at -= size_;
    ring_[at] = Seg{static_cast<uint32_t>(n), static_cast<uint32_t>(charge)};
    count_++;
  }

  // The first n bytes were read. Returns the `fill` of the units read
  // whole (a stream socket's: their charges, now released).
  [[gnu::always_inline]] size_t Consume(size_t n) {
    size_t freed = 0;
    while (n && count_) {
      Seg& s = ring_[head_];
      if (s.len > n) {
        s.len -= static_cast<uint32_t>(n);
        return freed;
      }
      n -= s.len;
      freed += s.fill;
      if (++head_ == size_) head_ = 0;
      count_--;
    }
    return freed;
  }

 private:
  // A unit that takes no merge (one that absorbed others past `slots`).
  static constexpr uint32_t kClosed = ~uint32_t{0} >> 1;
  struct Seg {
    uint32_t len;   // bytes not yet read
    // A pipe's: bytes ever written into it (Linux's offset + len); a
    // stream socket's unit (AddUnit): what it costs its sender.
    uint32_t fill;
  };
  [[gnu::always_inline]] Seg& Tail() {
    size_t at = head_ + count_ - 1;
    return ring_[at >= size_ ? at - size_ : at];
  }
  [[gnu::always_inline]] const Seg& Tail() const {
    size_t at = head_ + count_ - 1;
    return ring_[at >= size_ ? at - size_ : at];
  }

  static constexpr size_t kInline = 36;  // a 64 KiB pipe's (SegmentSlots)
  Seg* ring_ = inline_;                   // inline_ or heap_
  size_t size_ = 1;
  size_t head_ = 0, count_ = 0;
  size_t unit_ = 0;
  Seg inline_[kInline];
  std::vector<Seg> heap_;
};

}  // namespace junction::libos::ipc
