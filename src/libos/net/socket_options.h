// The SOL_SOCKET options a LibOS socket takes with no effect of its own
// (Linux's sk_setsockopt generic cases: SO_KEEPALIVE, SO_LINGER,
// SO_PRIORITY...): validated as Linux does, kept, and read back. Options
// Linux does not know, and those it only reads, are ENOPROTOOPT.
#pragma once

#include <map>
#include <vector>

#include "libos/syscalls/user_memory.h"
#include "sched/spinlock.h"

namespace junction::libos::net {

class GenericSocketOptions {
 public:
  SysResult<void> Set(int name, const std::vector<char>& val);
  SysResult<void> Get(int name, std::vector<char>* val) const;
  // The options set, each as setsockopt takes it (to set them again on the
  // host socket that replaces this one).
  std::map<int, std::vector<char>> Values() const;

 private:
  mutable sched::SpinLock lock_;
  std::map<int, std::vector<char>> values_;  // guarded by lock_; as getsockopt returns them
};

}  // namespace junction::libos::net
