// Values keyed by a host descriptor: the first few in place, the rest in
// a map. The reactor's registrations (reactor.cc): most processes wait on
// one or two host descriptors at a time (a child's pidfd, a terminal), and
// an insert and erase in an unordered_map writes its node, its bucket and
// malloc's per-thread cache, three heap pages that a process which forks
// and waits then copies on write at every fork. In place, one entry's
// write is all.
//
// Not thread-safe: the caller holds its lock. A key is in at most one of
// the two places; a pointer returned stays valid until that key is erased.
#pragma once

#include <memory>
#include <unordered_map>
#include <utility>

namespace junction::sched {

template <typename T, int kInline>
class FdKeyedTable {
 public:
  T* Find(int fd) {
    for (Slot& s : inline_)
      if (s.fd == fd) return &s.value;
    if (!map_ || map_->empty()) return nullptr;
    auto it = map_->find(fd);
    return it == map_->end() ? nullptr : &it->second;
  }

  // The value for fd, value-initialised if it was absent (then second is
  // true).
  std::pair<T*, bool> FindOrAdd(int fd) {
    if (T* v = Find(fd)) return {v, false};
    size_++;
    for (Slot& s : inline_) {
      if (s.fd < 0) {
        s.fd = fd;
        s.value = T{};
        return {&s.value, true};
      }
    }
    if (!map_) map_ = std::make_unique<std::unordered_map<int, T>>();
    return {&map_->try_emplace(fd).first->second, true};
  }

  void Erase(int fd) {
    for (Slot& s : inline_) {
      if (s.fd == fd) {
        s.fd = -1;
        size_--;
        return;
      }
    }
    if (map_ && map_->erase(fd)) size_--;
  }

  bool Empty() const { return size_ == 0; }

  // Writes nothing when empty (a forked child's reset of its parent's).
  void Clear() {
    if (size_ == 0) return;
    for (Slot& s : inline_) s.fd = -1;
    if (map_ && !map_->empty()) map_->clear();
    size_ = 0;
  }

 private:
  struct Slot {
    int fd = -1;
    T value{};
  };
  Slot inline_[kInline];
  int size_ = 0;
  std::unique_ptr<std::unordered_map<int, T>> map_;
};

}  // namespace junction::sched
