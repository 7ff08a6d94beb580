// libFuzzer target for the ELF parser: any byte string must either parse or
// be rejected with a message, never crash, overflow or read out of bounds.
// Build and run: tests/fuzz/build_and_run.sh [seconds]
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "libos/loader/elf_parser.h"
#include "libos/loader/shebang.h"

using namespace junction::libos::loader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> file(data, size);
  ElfImageInfo info;
  std::string error;
  if (ParseElfImage(file, &info, &error)) {
    // Invariants the mapper relies on.
    if (info.program.loads.empty() || info.program.min_vaddr >= info.program.max_vaddr ||
        info.program.max_vaddr > kUserAddressLimit)
      __builtin_trap();
    for (const LoadSegment& seg : info.program.loads)
      if (seg.filesz > seg.memsz || seg.offset + seg.filesz > size) __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();
  }
  // The same bytes as the start of a #! script.
  Shebang shebang;
  if (IsShebang(file) && ParseShebang(file, &shebang, &error) && shebang.interpreter.empty())
    __builtin_trap();
  return 0;
}
