#include "libos/strace_decode.h"

#include <cstdio>
#include <cstring>

#include "libos/strace/format.h"
#include "libos/strace/signature.h"
#include "libos/strace/xlat.h"

namespace junction::libos {

namespace {

// strace aligns " = result" to this column when the call is shorter.
constexpr size_t kResultColumn = 40;

void AppendCall(std::string& out, const SyscallArgs& args, const strace::Signature& sig,
                long result) {
  const SyscallEntry& e = LookupSyscall(args.nr);
  if (e.name) {
    out += e.name;
  } else {
    char buf[32];
    int n = std::snprintf(buf, sizeof(buf), "syscall_%#lx", static_cast<unsigned long>(args.nr));
    out.append(buf, static_cast<size_t>(n));
  }
  out += '(';
  for (int i = 0; i < sig.count; i++) {
    if (i) out += ", ";
    strace::FormatArg(out, args, sig.fields[i], result);
  }
  out += ") ";
  while (out.size() < kResultColumn) out += ' ';
  out += "= ";
}

void AppendResult(std::string& out, strace::Ret ret, long result) {
  char buf[160];
  int n;
  if (ret == strace::Ret::kNone) {
    out += '?';
    return;
  }
  if (result < 0 && result > -4096) {
    int err = static_cast<int>(-result);
    const char* name = strerrorname_np(err);
    if (name)
      n = std::snprintf(buf, sizeof(buf), "-1 %s (%s)", name, strerror(err));
    else
      n = std::snprintf(buf, sizeof(buf), "-1 E??? (errno %d)", err);
    out.append(buf, static_cast<size_t>(n));
    return;
  }
  switch (ret) {
    case strace::Ret::kHex:
      n = std::snprintf(buf, sizeof(buf), "%#lx", static_cast<unsigned long>(result));
      break;
    case strace::Ret::kOctal:
      n = std::snprintf(buf, sizeof(buf), "%#03lo", static_cast<unsigned long>(result));
      break;
    case strace::Ret::kFdFlags:
    case strace::Ret::kOpenFlags: {
      if (ret == strace::Ret::kFdFlags && result == 0) {
        out += '0';
        return;
      }
      n = std::snprintf(buf, sizeof(buf), "%#lx (flags ", static_cast<unsigned long>(result));
      out.append(buf, static_cast<size_t>(n));
      if (ret == strace::Ret::kFdFlags)
        strace::PrintFlags(out, strace::kFdFlags, static_cast<uint64_t>(result));
      else
        strace::PrintOpenFlags(out, static_cast<uint64_t>(result));
      out += ')';
      return;
    }
    default:
      n = std::snprintf(buf, sizeof(buf), "%ld", result);
      break;
  }
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

std::string FormatSyscall(const SyscallArgs& args, long result) {
  strace::Signature sig = strace::RefineSignature(args);
  std::string out;
  out.reserve(128);
  AppendCall(out, args, sig, result);
  AppendResult(out, sig.ret, result);
  return out;
}

}  // namespace junction::libos
