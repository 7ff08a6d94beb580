// Formats one argument of a guest system call the way strace does. Runs
// after the handler (outputs are filled in) with LibOS TLS active. Guest
// memory is read only through user_memory.h: an unreadable pointer prints
// as its hex address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "libos/strace/signature.h"

namespace junction::libos::strace {

// strace's default -s: strings and buffers longer than this are cut, with
// "..." after the closing quote.
inline constexpr size_t kMaxStrLen = 32;
// Elements of an array (argv, iovec) printed before "...".
inline constexpr size_t kMaxArrayLen = 32;

// `"text\n\0"` with strace's escapes; `...` appended if `truncated`. With
// `hex`, every byte is \xNN.
void PrintQuoted(std::string& out, const unsigned char* data, size_t n, bool truncated,
                 bool hex = false);

// Formats argument `field` of `args`; `result` is the call's raw result.
void FormatArg(std::string& out, const SyscallArgs& args, Field field, long result);

}  // namespace junction::libos::strace
