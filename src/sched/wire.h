// Little byte writer/reader for the control protocol (control_message.h).
// The reader is bounds-checked everywhere and sticky: after the first
// failure every read returns zero/empty and ok() stays false.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace junction::sched {

class WireWriter {
 public:
  void U8(uint8_t v) { buf_.push_back(v); }
  void U16(uint16_t v) { Raw(&v, sizeof v); }
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void Str(const std::string& s) {
    U32(static_cast<uint32_t>(s.size()));
    Raw(s.data(), s.size());
  }
  void OptU64(const std::optional<uint64_t>& v) {
    U8(v.has_value() ? 1 : 0);
    U64(v.value_or(0));
  }
  std::vector<uint8_t>& bytes() { return buf_; }

 private:
  void Raw(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  std::vector<uint8_t> buf_;
};

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t U8() { uint8_t v = 0; Raw(&v, sizeof v); return v; }
  uint16_t U16() { uint16_t v = 0; Raw(&v, sizeof v); return v; }
  uint32_t U32() { uint32_t v = 0; Raw(&v, sizeof v); return v; }
  uint64_t U64() { uint64_t v = 0; Raw(&v, sizeof v); return v; }
  // A string of at most `max` bytes.
  std::string Str(size_t max) {
    uint32_t n = U32();
    if (!ok_ || n > max || n > in_.size() - pos_) return Fail(), std::string();
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::optional<uint64_t> OptU64() {
    uint8_t present = U8();
    uint64_t v = U64();
    if (present > 1) Fail();
    if (!ok_ || present == 0) return std::nullopt;
    return v;
  }
  // A count of at most `max` items.
  uint32_t Count(uint32_t max) {
    uint32_t n = U32();
    if (n > max) Fail();
    return ok_ ? n : 0;
  }
  void Fail() { ok_ = false; }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  void Raw(void* p, size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      std::memset(p, 0, n);
      return;
    }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace junction::sched
