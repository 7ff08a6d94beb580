// poll, ppoll, select, pselect6 over LibOS objects and host descriptors
// (libos/ipc/poll.h): a waiting call parks its uthread.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <array>
#include <cstring>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/ipc/poll.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"
#include "sched/kthread.h"

namespace junction::libos {

namespace {

// timeout_ns < 0: none.
long PollCommon(long fds_addr, long nfds, int64_t timeout_ns) {
  if (nfds < 0 || static_cast<uint64_t>(nfds) > fs::FdTable::Get().limit()) return -EINVAL;
  size_t bytes = sizeof(pollfd) * static_cast<size_t>(nfds);
  if (!GuestWritable(static_cast<uintptr_t>(fds_addr), bytes)) return -EFAULT;
  std::vector<pollfd> guest(static_cast<size_t>(nfds));
  if (!SafeCopy(guest.data(), reinterpret_cast<void*>(fds_addr), bytes)) return -EFAULT;
  std::vector<ipc::PollEntry> entries(guest.size());
  long bad = 0;
  for (size_t i = 0; i < guest.size(); i++) {
    entries[i].events = static_cast<uint16_t>(guest[i].events);
    if (guest[i].fd < 0) continue;
    entries[i].file = fs::FdTable::Get().Lookup(guest[i].fd);
    if (!entries[i].file) bad++;
  }
  uint64_t deadline = timeout_ns > 0 ? DeadlineAfter(static_cast<uint64_t>(timeout_ns)) : 0;
  long n = ipc::PollFiles(entries, timeout_ns != 0 && !bad, deadline);
  if (n < 0) return n;
  for (size_t i = 0; i < guest.size(); i++) {
    guest[i].revents = static_cast<short>(entries[i].revents);
    if (guest[i].fd >= 0 && !entries[i].file) {
      guest[i].revents = POLLNVAL;
      n++;
    }
  }
  if (!SafeCopy(reinterpret_cast<void*>(fds_addr), guest.data(), bytes)) return -EFAULT;
  return n;
}

constexpr uint32_t kSelIn = EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLHUP | EPOLLERR;
constexpr uint32_t kSelOut = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND | EPOLLERR;
constexpr uint32_t kSelEx = EPOLLPRI;

long SelectCommon(long nfds, long rd, long wr, long ex, int64_t timeout_ns) {
  if (nfds < 0) return -EINVAL;
  if (static_cast<uint64_t>(nfds) > fs::FdTable::Get().limit()) nfds = static_cast<long>(fs::FdTable::Get().limit());
  size_t words = (static_cast<size_t>(nfds) + 63) / 64;
  std::vector<uint64_t> sets[3];
  long addrs[3] = {rd, wr, ex};
  for (int k = 0; k < 3; k++) {
    sets[k].assign(words, 0);
    if (!addrs[k] || !words) continue;
    if (!GuestWritable(static_cast<uintptr_t>(addrs[k]), words * 8)) return -EFAULT;
    if (!SafeCopy(sets[k].data(), reinterpret_cast<void*>(addrs[k]), words * 8)) return -EFAULT;
  }
  std::vector<ipc::PollEntry> entries;
  std::vector<int> fds;
  for (long fd = 0; fd < nfds; fd++) {
    uint64_t bit = uint64_t{1} << (fd % 64);
    size_t w = static_cast<size_t>(fd / 64);
    uint32_t ev = 0;
    if (sets[0][w] & bit) ev |= kSelIn;
    if (sets[1][w] & bit) ev |= kSelOut;
    if (sets[2][w] & bit) ev |= kSelEx;
    if (!ev) continue;
    fs::FilePtr f = fs::FdTable::Get().Lookup(fd);
    if (!f) return -EBADF;
    entries.push_back({std::move(f), ev, 0});
    fds.push_back(static_cast<int>(fd));
  }
  uint64_t deadline = timeout_ns > 0 ? DeadlineAfter(static_cast<uint64_t>(timeout_ns)) : 0;
  long n = ipc::PollFiles(entries, timeout_ns != 0, deadline);
  if (n < 0) return n;
  for (auto& s : sets) std::fill(s.begin(), s.end(), 0);
  long count = 0;
  for (size_t i = 0; i < entries.size(); i++) {
    uint64_t bit = uint64_t{1} << (fds[i] % 64);
    size_t w = static_cast<size_t>(fds[i] / 64);
    uint32_t ev = entries[i].revents, want = entries[i].events;
    if ((want & EPOLLIN) && (ev & kSelIn)) { sets[0][w] |= bit; count++; }
    if ((want & EPOLLOUT) && (ev & kSelOut)) { sets[1][w] |= bit; count++; }
    if ((want & EPOLLPRI) && (ev & kSelEx)) { sets[2][w] |= bit; count++; }
  }
  for (int k = 0; k < 3; k++)
    if (addrs[k] && words && !SafeCopy(reinterpret_cast<void*>(addrs[k]), sets[k].data(), words * 8)) return -EFAULT;
  return count;
}

}  // namespace

JUNCTION_HANDLER(poll) {
  int t = static_cast<int>(a.a[2]);
  return PollCommon(a.a[0], a.a[1], t < 0 ? -1 : int64_t{t} * 1000000);
}

JUNCTION_HANDLER(ppoll) {
  int64_t t = -1;
  if (a.a[2]) {
    auto ts = UserPtr<timespec>(a.a[2]).Read();
    if (!ts.ok()) return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return -EINVAL;
    t = ts->tv_sec * 1000000000L + ts->tv_nsec;
  }
  TempSigmask mask(a.a[3], a.a[4]);
  if (!mask.ok()) return a.a[4] != 8 ? -EINVAL : -EFAULT;
  uint64_t start = sched::NowNs();
  long r = PollCommon(a.a[0], a.a[1], t);
  if (a.a[2] && t > 0) {  // the time left, as Linux writes back
    uint64_t used = sched::NowNs() - start;
    uint64_t left = used >= static_cast<uint64_t>(t) ? 0 : static_cast<uint64_t>(t) - used;
    (void)UserPtr<timespec>(a.a[2]).Write({static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)});
  }
  return mask.Finish(r);
}

JUNCTION_HANDLER(select) {
  int64_t t = -1;
  if (a.a[4]) {
    auto tv = UserPtr<timeval>(a.a[4]).Read();
    if (!tv.ok()) return -EFAULT;
    if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000) return -EINVAL;
    t = tv->tv_sec * 1000000000L + tv->tv_usec * 1000L;
  }
  uint64_t start = sched::NowNs();
  long r = SelectCommon(a.a[0], a.a[1], a.a[2], a.a[3], t);
  if (a.a[4] && t > 0) {
    uint64_t used = sched::NowNs() - start;
    uint64_t left = used >= static_cast<uint64_t>(t) ? 0 : static_cast<uint64_t>(t) - used;
    (void)UserPtr<timeval>(a.a[4]).Write({static_cast<time_t>(left / 1000000000),
                                          static_cast<suseconds_t>((left % 1000000000) / 1000)});
  }
  return r;
}

JUNCTION_HANDLER(pselect6) {
  int64_t t = -1;
  if (a.a[4]) {
    auto ts = UserPtr<timespec>(a.a[4]).Read();
    if (!ts.ok()) return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return -EINVAL;
    t = ts->tv_sec * 1000000000L + ts->tv_nsec;
  }
  // The sixth argument points to {const sigset_t* ss; size_t ss_len}.
  long mask_addr = 0, mask_len = 8;
  if (a.a[5]) {
    auto pair = UserPtr<std::array<long, 2>>(a.a[5]).Read();
    if (!pair.ok()) return -EFAULT;
    mask_addr = (*pair)[0];
    mask_len = (*pair)[1];
  }
  TempSigmask mask(mask_addr, mask_len);
  if (!mask.ok()) return mask_len != 8 ? -EINVAL : -EFAULT;
  return mask.Finish(SelectCommon(a.a[0], a.a[1], a.a[2], a.a[3], t));
}

}  // namespace junction::libos
