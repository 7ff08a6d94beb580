#!/bin/sh
# Builds the ELF parser fuzzer with clang (libFuzzer + ASan + UBSan) and runs
# it for SECONDS (default 300) over a scratch copy of the checked-in corpus.
# New interesting inputs land in the scratch corpus; to refresh the
# checked-in one, merge minimised:  $OUT/elf_parser_fuzz -merge=1 corpus/elf $OUT/corpus
# Usage: tests/fuzz/build_and_run.sh [SECONDS] [OUT_DIR]
set -eu
SECONDS_TO_RUN=${1:-300}
OUT=${2:-/tmp/junction-fuzz}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/../../src
CLANG=${CLANG:-clang++-14}
command -v "$CLANG" >/dev/null || CLANG=clang++

mkdir -p "$OUT/corpus"
"$CLANG" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -Werror -I"$SRC" \
  "$HERE/elf_parser_fuzz.cc" "$SRC/libos/loader/elf_parser.cc" "$SRC/libos/loader/shebang.cc" \
  -o "$OUT/elf_parser_fuzz"
cp -n "$HERE"/corpus/elf/* "$OUT/corpus/" 2>/dev/null || true
cd "$OUT"
exec ./elf_parser_fuzz -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -print_final_stats=1 \
  "$OUT/corpus"
