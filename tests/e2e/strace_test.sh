#!/usr/bin/env bash
# `junction run --strace-file`: the log is in strace's format. Checks a few
# decoded lines for a dynamic program, then (when real strace can trace
# here) compares junction's lines with strace's for a static program whose
# calls have deterministic arguments (progs/strace_calls.c).
#
# usage: strace_test.sh JUNCTION APP_TOML
set -u
junction=$1; app=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check DESCRIPTION REGEX FILE
  if ! grep -Eq -- "$2" "$3"; then
    echo "FAIL: $1: no line matching: $2"; fail=1
  fi
}

# 1. A dynamic program: the loader's calls are decoded.
"$junction" run "$app" --strace-file "$tmp/cat.log" -- /bin/cat /etc/hostname >"$tmp/cat.out"
rc=$?
[ $rc = 0 ] || { echo "FAIL: junction run cat exited $rc"; fail=1; }
cmp -s "$tmp/cat.out" /etc/hostname || { echo "FAIL: cat output differs"; fail=1; }
log=$tmp/cat.log
# (Descriptor numbers depend on what the test runner leaves open: [0-9]+.)
check "openat decoded" '^openat\(AT_FDCWD, "/etc/ld\.so\.cache", O_RDONLY\|O_CLOEXEC\) += [0-9]+$' "$log"
check "openat of the file" '^openat\(AT_FDCWD, "/etc/hostname", O_RDONLY(\|O_LARGEFILE)?\) += [0-9]+$' "$log"
check "read buffer shown" '^read\([0-9]+, "\\177ELF\\2\\1\\1.*"\.\.\., 832\) += 832$' "$log"
check "fstat summary" '^newfstatat\([0-9]+, "", \{st_mode=S_IFREG\|0[0-7]+, st_size=[0-9]+, \.\.\.\}, AT_EMPTY_PATH\) += 0$' "$log"
check "mmap flags and hex result" '^mmap\(NULL, [0-9]+, PROT_READ, MAP_PRIVATE\|MAP_DENYWRITE, [0-9]+, 0\) += 0x[0-9a-f]+$' "$log"
check "errors" '= -1 ENOENT \(No such file or directory\)$' "$log"
check "arch_prctl" '^arch_prctl\(ARCH_SET_FS, 0x[0-9a-f]+\) += 0$' "$log"
check "exit_group" '^exit_group\(0\) += \?$' "$log"
if grep -Eq '^[a-z_0-9]+\(.*0x0, 0x0, 0x0' "$log"; then
  echo "FAIL: trailing junk arguments:"; grep -E '0x0, 0x0, 0x0' "$log" | head -5; fail=1
fi

# 2. Line-for-line against real strace, for a static program.
if ! command -v strace >/dev/null || ! strace -o /dev/null /bin/true 2>/dev/null; then
  echo "SKIP: real strace unavailable or cannot trace here"
elif ! cc -static -O1 -o "$tmp/calls" "$here/progs/strace_calls.c" 2>"$tmp/cc.err"; then
  echo "SKIP: cannot build a static test program:"; cat "$tmp/cc.err"
else
  strace -o "$tmp/native.log" "$tmp/calls" || { echo "FAIL: native run"; fail=1; }
  "$junction" run "$app" --strace-file "$tmp/junction.log" -- "$tmp/calls" ||
    { echo "FAIL: junction run of the static program"; fail=1; }
  # The section between the marker writes, plus exit_group; addresses
  # returned by mmap differ from run to run.
  section() {
    { sed -En '/^write\([0-9]+, "BEGIN"/,/^write\([0-9]+, "END"/p' "$1"; grep '^exit_group' "$1"; } |
      sed -E 's/= 0x[0-9a-f]+$/= ADDR/'
  }
  section "$tmp/native.log" >"$tmp/native.sec"
  section "$tmp/junction.log" >"$tmp/junction.sec"
  if [ "$(wc -l <"$tmp/native.sec")" -lt 20 ]; then
    echo "FAIL: native strace section too short:"; cat "$tmp/native.sec"; fail=1
  elif ! diff -u "$tmp/native.sec" "$tmp/junction.sec"; then
    echo "FAIL: junction's strace lines differ from real strace's (diff above)"; fail=1
  else
    echo "ok: $(wc -l <"$tmp/native.sec") lines identical to real strace"
  fi
fi

if [ $fail = 1 ]; then
  echo "--- junction log (cat):"; head -60 "$tmp/cat.log"
  exit 1
fi
echo "PASS"
