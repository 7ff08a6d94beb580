// SysResult<T>: a value or a Linux errno, for the system call path (no
// exceptions, no allocation). TRY() propagates the errno to the caller.
#pragma once

#include <cerrno>
#include <cstdint>
#include <utility>

namespace junction {

struct Errno {
  int code;  // positive errno value, e.g. EFAULT
};

template <typename T>
class [[nodiscard]] SysResult {
 public:
  SysResult(T v) : val_(std::move(v)), err_(0) {}  // NOLINT: implicit by design
  SysResult(Errno e) : val_(), err_(e.code) {}     // NOLINT
  bool ok() const { return err_ == 0; }
  explicit operator bool() const { return ok(); }
  int error() const { return err_; }
  T& value() { return val_; }
  const T& value() const { return val_; }
  T& operator*() { return val_; }
  const T& operator*() const { return val_; }
  T* operator->() { return &val_; }

 private:
  T val_;
  int err_;
};

template <>
class [[nodiscard]] SysResult<void> {
 public:
  SysResult() : err_(0) {}
  SysResult(Errno e) : err_(e.code) {}  // NOLINT
  bool ok() const { return err_ == 0; }
  explicit operator bool() const { return ok(); }
  int error() const { return err_; }

 private:
  int err_;
};

// Converts to the raw syscall return convention: value, or -errno.
template <typename T>
inline long ToRaw(const SysResult<T>& r) {
  return r.ok() ? static_cast<long>(r.value()) : -static_cast<long>(r.error());
}
inline long ToRaw(const SysResult<void>& r) { return r.ok() ? 0 : -static_cast<long>(r.error()); }

}  // namespace junction

// Evaluates a SysResult expression; on error returns the errno from the
// enclosing function, otherwise yields the value (GNU statement expression).
#define TRY(expr)                                          \
  ({                                                       \
    auto _r = (expr);                                      \
    if (!_r.ok()) return ::junction::Errno{_r.error()};    \
    std::move(_r.value());                                 \
  })
#define TRY_VOID(expr)                                     \
  do {                                                     \
    auto _r = (expr);                                      \
    if (!_r.ok()) return ::junction::Errno{_r.error()};    \
  } while (0)
