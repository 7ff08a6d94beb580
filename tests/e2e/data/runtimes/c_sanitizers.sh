#!/bin/sh
# Programs built with gcc's sanitizers, and run: AddressSanitizer with
# UBSan (shadow memory reserved at fixed addresses, threads, a heap
# overflow report and its exit status) and ThreadSanitizer (a mutex-guarded
# counter, then a data race and its exit status 66). LeakSanitizer is off:
# its tracer needs ptrace (docs/architecture.md).
src=$(cd "$(dirname "$0")"/sanitizers && pwd)
out=$(mktemp -d /tmp/c_sanitizers.XXXXXX)
trap 'rm -rf "$out"' EXIT
export ASAN_OPTIONS=detect_leaks=0
gcc -g -fsanitize=address,undefined -o $out/asan $src/heap_threads.c -pthread || exit 1
$out/asan; echo "asan clean exit $?"
$out/asan overflow 2>$out/asan.err; echo "asan overflow exit $?"
grep -o "ERROR: AddressSanitizer: heap-buffer-overflow" $out/asan.err
grep -o "WRITE of size 1 .*" $out/asan.err | sed 's/ at 0x[0-9a-f]*//'
gcc -g -fsanitize=thread -o $out/tsan $src/counter_threads.c -pthread || exit 1
$out/tsan; echo "tsan clean exit $?"
$out/tsan race 2>$out/tsan.err; echo "tsan race exit $?"
grep -o "WARNING: ThreadSanitizer: data race" $out/tsan.err | sort -u
