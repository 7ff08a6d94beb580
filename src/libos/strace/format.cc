#include "libos/strace/format.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>

#include <algorithm>
#include <cstdarg>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "libos/strace/xlat.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos::strace {

namespace {

// The kernel's struct sigaction on x86-64 (not glibc's).
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};
constexpr uint64_t kSaRestorer = 0x04000000;

void Appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void Appendf(std::string& out, const char* fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, std::min(static_cast<size_t>(n), sizeof(buf) - 1));
}

void PrintPtr(std::string& out, uint64_t p) {
  if (p == 0)
    out += "NULL";
  else
    Appendf(out, "%#" PRIx64, p);
}

void PrintHex(std::string& out, uint64_t v) { Appendf(out, "%#" PRIx64, v); }

// Copies guest memory; false if any byte is not guest-readable.
bool ReadGuest(uint64_t addr, void* dst, size_t n) {
  return addr != 0 && GuestReadable(static_cast<uintptr_t>(addr), n) &&
         SafeCopy(dst, reinterpret_cast<const void*>(addr), n);
}

template <typename T>
bool ReadGuest(uint64_t addr, T* v) {
  return ReadGuest(addr, v, sizeof(T));
}

// A NUL-terminated guest string of at most `max` bytes; `truncated` if no
// NUL came within them. False if unreadable before the NUL or `max`.
bool ReadGuestString(uint64_t addr, size_t max, std::string* s, bool* truncated) {
  s->clear();
  *truncated = false;
  if (addr == 0) return false;
  uintptr_t p = static_cast<uintptr_t>(addr);
  while (s->size() <= max) {
    uintptr_t page_end = (p | (AddressSpace::kPageSize - 1)) + 1;
    size_t avail = std::min<size_t>(page_end - p, max + 1 - s->size());
    const char* c = reinterpret_cast<const char*>(p);
    if (!GuestReadable(p, avail)) {
      // The guest's memory ends in this chunk: byte by byte up to its end.
      for (size_t i = 0;; i++) {
        char b;
        if (!GuestReadable(p + i, 1) || !SafeCopy(&b, c + i, 1)) return false;
        if (b == '\0') return true;
        s->push_back(b);
      }
    }
    // Fault-tolerant (a page past a mapped file's end): unreadable.
    size_t have = s->size();
    s->resize(have + avail);
    long got = SafeCopyString(s->data() + have, c, avail);
    if (got < 0) return false;
    size_t n = static_cast<size_t>(got);
    s->resize(have + n);
    if (n < avail) break;
    p += avail;
  }
  if (s->size() > max) {
    s->resize(max);
    *truncated = true;
  }
  return true;
}

// A guest string argument: quoted, or the pointer if unreadable.
void PrintGuestString(std::string& out, uint64_t addr, size_t max) {
  std::string s;
  bool truncated;
  if (!ReadGuestString(addr, max, &s, &truncated)) return PrintPtr(out, addr);
  PrintQuoted(out, reinterpret_cast<const unsigned char*>(s.data()), s.size(), truncated);
}

// `len` guest bytes at `addr`, cut at kMaxStrLen.
void PrintGuestBuffer(std::string& out, uint64_t addr, size_t len, bool hex = false) {
  size_t n = std::min(len, kMaxStrLen);
  unsigned char buf[kMaxStrLen];
  if (!ReadGuest(addr, buf, n)) return PrintPtr(out, addr);
  PrintQuoted(out, buf, n, len > n, hex);
}

void PrintSigset(std::string& out, uint64_t mask) {
  bool invert = __builtin_popcountll(mask) >= 32;
  if (invert) {
    out += '~';
    mask = ~mask;
  }
  out += '[';
  bool first = true;
  for (int sig = 1; sig <= 64; sig++) {
    if (!(mask & (uint64_t{1} << (sig - 1)))) continue;
    if (!first) out += ' ';
    PrintSignal(out, sig, /*with_prefix=*/false);
    first = false;
  }
  out += ']';
}

void PrintRlim(std::string& out, uint64_t v) {
  if (v == ~uint64_t{0})
    out += "RLIM64_INFINITY";
  else if (v > 1024 && v % 1024 == 0)
    Appendf(out, "%" PRIu64 "*1024", v / 1024);
  else
    Appendf(out, "%" PRIu64, v);
}

void PrintStat(std::string& out, const struct stat& st) {
  out += "{st_mode=";
  PrintFileMode(out, st.st_mode);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    Appendf(out, ", st_rdev=makedev(%#x, %#x), ...}", major(st.st_rdev), minor(st.st_rdev));
  else
    Appendf(out, ", st_size=%lld, ...}", static_cast<long long>(st.st_size));
}

void PrintSigaction(std::string& out, const KernelSigaction& sa) {
  out += "{sa_handler=";
  if (sa.handler == reinterpret_cast<uint64_t>(SIG_DFL))
    out += "SIG_DFL";
  else if (sa.handler == reinterpret_cast<uint64_t>(SIG_IGN))
    out += "SIG_IGN";
  else
    PrintHex(out, sa.handler);
  out += ", sa_mask=";
  PrintSigset(out, sa.mask);
  out += ", sa_flags=";
  PrintFlags(out, kSaFlags, sa.flags);
  if (sa.flags & kSaRestorer) {
    out += ", sa_restorer=";
    PrintPtr(out, sa.restorer);
  }
  out += '}';
}

void PrintUtsname(std::string& out, const struct utsname& u) {
  out += "{sysname=";
  PrintQuoted(out, reinterpret_cast<const unsigned char*>(u.sysname),
              strnlen(u.sysname, sizeof(u.sysname)), false);
  out += ", nodename=";
  PrintQuoted(out, reinterpret_cast<const unsigned char*>(u.nodename),
              strnlen(u.nodename, sizeof(u.nodename)), false);
  out += ", ...}";
}

// [{iov_base="...", iov_len=N}, ...]; `budget` caps the bytes shown in
// total (the result, for reads).
void PrintIovec(std::string& out, uint64_t addr, uint64_t count, uint64_t budget) {
  if (count > 1024) return PrintPtr(out, addr);
  out += '[';
  for (uint64_t i = 0; i < count; i++) {
    struct iovec iov;
    if (!ReadGuest(addr + i * sizeof(iov), &iov)) {
      if (i == 0) {
        out.pop_back();
        return PrintPtr(out, addr);
      }
      out += "...";
      break;
    }
    if (i) out += ", ";
    if (i == kMaxArrayLen) {
      out += "...";
      break;
    }
    out += "{iov_base=";
    uint64_t shown = std::min<uint64_t>(iov.iov_len, budget);
    PrintGuestBuffer(out, reinterpret_cast<uint64_t>(iov.iov_base), shown);
    budget -= shown;
    Appendf(out, ", iov_len=%zu}", iov.iov_len);
  }
  out += ']';
}

void PrintStrArray(std::string& out, uint64_t addr) {
  uint64_t p;
  if (!ReadGuest(addr, &p)) return PrintPtr(out, addr);
  out += '[';
  for (size_t i = 0; p != 0; i++) {
    if (i) out += ", ";
    if (i == kMaxArrayLen) {
      out += "...";
      break;
    }
    PrintGuestString(out, p, kMaxStrLen);
    if (!ReadGuest(addr + (i + 1) * 8, &p)) break;
  }
  out += ']';
}

void PrintEnvp(std::string& out, uint64_t addr) {
  PrintPtr(out, addr);
  if (!addr) return;
  size_t n = 0;
  uint64_t p;
  while (n < 100000 && ReadGuest(addr + n * 8, &p) && p) n++;
  Appendf(out, " /* %zu var%s */", n, n == 1 ? "" : "s");
}

// Output arguments are shown only when the call succeeded.
template <typename T, typename Print>
void PrintOut(std::string& out, uint64_t addr, long result, Print print) {
  T v;
  if (result < 0 || !ReadGuest(addr, &v)) return PrintPtr(out, addr);
  print(v);
}

template <typename T, typename Print>
void PrintIn(std::string& out, uint64_t addr, Print print) {
  T v;
  if (!ReadGuest(addr, &v)) return PrintPtr(out, addr);
  print(v);
}

}  // namespace

void PrintQuoted(std::string& out, const unsigned char* data, size_t n, bool truncated,
                 bool hex) {
  static const char kHexDigits[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = data[i];
    if (hex) {
      out += "\\x";
      out += kHexDigits[c >> 4];
      out += kHexDigits[c & 0xf];
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\t': out += "\\t"; continue;
      case '\n': out += "\\n"; continue;
      case '\v': out += "\\v"; continue;
      case '\f': out += "\\f"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (c >= ' ' && c < 0x7f) {
      out += static_cast<char>(c);
      continue;
    }
    // Octal, as short as possible unless an octal digit follows.
    out += '\\';
    bool digit_next = i + 1 < n && data[i + 1] >= '0' && data[i + 1] <= '7';
    if (digit_next || c >= 0100) out += static_cast<char>('0' + (c >> 6));
    if (digit_next || c >= 010) out += static_cast<char>('0' + ((c >> 3) & 7));
    out += static_cast<char>('0' + (c & 7));
  }
  out += '"';
  if (truncated) out += "...";
}

void FormatArg(std::string& out, const SyscallArgs& args, Field field, long result) {
  const long v = args.a[field.index];
  const uint64_t u = static_cast<uint64_t>(v);
  // The argument after this one (a length or a count), when there is one.
  const uint64_t next = field.index < 5 ? static_cast<uint64_t>(args.a[field.index + 1]) : 0;
  switch (field.kind) {
    case Arg::kInt:
    case Arg::kFd:
      return Appendf(out, "%d", static_cast<int>(v));
    case Arg::kLong: return Appendf(out, "%ld", v);
    case Arg::kULong: return Appendf(out, "%lu", static_cast<unsigned long>(v));
    case Arg::kHex: return PrintHex(out, u);
    case Arg::kPtr: return PrintPtr(out, u);
    case Arg::kDirFd:
      if (static_cast<int>(v) == AT_FDCWD) return void(out += "AT_FDCWD");
      return Appendf(out, "%d", static_cast<int>(v));
    case Arg::kMode: return Appendf(out, "%#03o", static_cast<unsigned>(v));

    case Arg::kPath: return PrintGuestString(out, u, 4096);
    case Arg::kStr: return PrintGuestString(out, u, kMaxStrLen);
    case Arg::kStrOut:
      if (result < 0) return PrintPtr(out, u);
      return PrintGuestString(out, u, kMaxStrLen);
    case Arg::kBufIn: return PrintGuestBuffer(out, u, next);
    case Arg::kBufOut:
    case Arg::kBufOutHex:
      if (result < 0) return PrintPtr(out, u);
      return PrintGuestBuffer(out, u, std::min(static_cast<uint64_t>(result), next),
                              field.kind == Arg::kBufOutHex);
    case Arg::kIovIn: return PrintIovec(out, u, next, ~uint64_t{0});
    case Arg::kIovOut:
      if (result < 0) return PrintPtr(out, u);
      return PrintIovec(out, u, next, static_cast<uint64_t>(result));
    case Arg::kStrArray: return PrintStrArray(out, u);
    case Arg::kEnvp: return PrintEnvp(out, u);

    case Arg::kOpenFlags: return PrintOpenFlags(out, u & 0xffffffff);
    case Arg::kPipeFlags: return PrintFlags(out, kOpenFlags, u & 0xffffffff);
    case Arg::kAtFlags: return PrintFlags(out, kAtFlags, u & 0xffffffff);
    case Arg::kProt: return PrintFlags(out, kProtFlags, u & 0xffffffff, "PROT_NONE");
    case Arg::kMapFlags: return PrintMapFlags(out, u & 0xffffffff);
    case Arg::kMremapFlags: return PrintFlags(out, kMremapFlags, u & 0xffffffff);
    case Arg::kMadvise: return PrintValue(out, kMadvise, u & 0xffffffff);
    case Arg::kFutexOp: return PrintFutexOp(out, static_cast<int>(v));
    case Arg::kFcntlCmd: return PrintValue(out, kFcntlCmds, u & 0xffffffff);
    case Arg::kFdFlags: return PrintFlags(out, kFdFlags, u);
    case Arg::kIoctlReq: return PrintValue(out, kIoctlReqs, u & 0xffffffff);
    case Arg::kSignal: return PrintSignal(out, static_cast<int>(v));
    case Arg::kSigHow: return PrintValue(out, kSigHow, u & 0xffffffff);
    case Arg::kArchPrctl: return PrintValue(out, kArchPrctl, u & 0xffffffff);
    case Arg::kPrctlOption: return PrintValue(out, kPrctlOptions, u & 0xffffffff);
    case Arg::kClockId: return PrintValue(out, kClockIds, u & 0xffffffff);
    case Arg::kAccessMode: return PrintFlags(out, kAccessModes, u & 0xffffffff, "F_OK");
    case Arg::kWhence: return PrintValue(out, kWhence, u & 0xffffffff);
    case Arg::kGrndFlags: return PrintFlags(out, kGrndFlags, u & 0xffffffff);
    case Arg::kRlimitResource: return PrintValue(out, kRlimits, u & 0xffffffff);
    case Arg::kWaitOptions: return PrintFlags(out, kWaitOptions, u & 0xffffffff);
    case Arg::kRenameFlags: return PrintFlags(out, kRenameFlags, u & 0xffffffff);
    case Arg::kTimerFlags: return PrintFlags(out, kTimerFlags, u & 0xffffffff);
    case Arg::kStatxMask: return PrintFlags(out, kStatxMask, u & 0xffffffff);
    case Arg::kFutexBitset:
      if ((u & 0xffffffff) == 0xffffffff) return void(out += "FUTEX_BITSET_MATCH_ANY");
      return PrintHex(out, u);

    case Arg::kStatOut:
      return PrintOut<struct stat>(out, u, result, [&](const struct stat& st) { PrintStat(out, st); });
    case Arg::kTimespecIn:
      return PrintIn<struct timespec>(out, u, [&](const struct timespec& ts) {
        Appendf(out, "{tv_sec=%lld, tv_nsec=%ld}", static_cast<long long>(ts.tv_sec), ts.tv_nsec);
      });
    case Arg::kTimespecOut:
      return PrintOut<struct timespec>(out, u, result, [&](const struct timespec& ts) {
        Appendf(out, "{tv_sec=%lld, tv_nsec=%ld}", static_cast<long long>(ts.tv_sec), ts.tv_nsec);
      });
    case Arg::kTimevalOut:
      return PrintOut<struct timeval>(out, u, result, [&](const struct timeval& tv) {
        Appendf(out, "{tv_sec=%lld, tv_usec=%ld}", static_cast<long long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
      });
    case Arg::kSigsetIn:
      return PrintIn<uint64_t>(out, u, [&](uint64_t m) { PrintSigset(out, m); });
    case Arg::kSigsetOut:
      return PrintOut<uint64_t>(out, u, result, [&](uint64_t m) { PrintSigset(out, m); });
    case Arg::kSigactionIn:
      return PrintIn<KernelSigaction>(out, u, [&](const KernelSigaction& sa) { PrintSigaction(out, sa); });
    case Arg::kSigactionOut:
      return PrintOut<KernelSigaction>(out, u, result,
                                       [&](const KernelSigaction& sa) { PrintSigaction(out, sa); });
    case Arg::kRlimitIn:
    case Arg::kRlimitOut: {
      auto print = [&](const uint64_t (&r)[2]) {
        out += "{rlim_cur=";
        PrintRlim(out, r[0]);
        out += ", rlim_max=";
        PrintRlim(out, r[1]);
        out += '}';
      };
      if (field.kind == Arg::kRlimitIn) return PrintIn<uint64_t[2]>(out, u, print);
      return PrintOut<uint64_t[2]>(out, u, result, print);
    }
    case Arg::kUtsnameOut:
      return PrintOut<struct utsname>(out, u, result, [&](const struct utsname& n) { PrintUtsname(out, n); });
    case Arg::kIntPairOut:
      return PrintOut<int[2]>(out, u, result, [&](const int (&fds)[2]) {
        Appendf(out, "[%d, %d]", fds[0], fds[1]);
      });
    case Arg::kIntOut:
      return PrintOut<int>(out, u, result, [&](int i) { Appendf(out, "[%d]", i); });
    case Arg::kWinsizeOut:
      return PrintOut<struct winsize>(out, u, result, [&](const struct winsize& w) {
        Appendf(out, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}", w.ws_row, w.ws_col,
                w.ws_xpixel, w.ws_ypixel);
      });

    case Arg::kCloneStack: out += "child_stack="; return PrintPtr(out, u);
    case Arg::kCloneFlags: out += "flags="; return PrintCloneFlags(out, u);
    case Arg::kCloneParentTid: out += "parent_tid="; return PrintPtr(out, u);
    case Arg::kCloneChildTid: out += "child_tidptr="; return PrintPtr(out, u);
    case Arg::kCloneTls: out += "tls="; return PrintPtr(out, u);
  }
}

}  // namespace junction::libos::strace
