#!/usr/bin/env bash
# `junction run` on programs that cannot run: the exit status a shell would
# give (127 not found, 126 cannot execute) and a precise message naming the
# file and the defect. Also a malformed config: status 2, file:line:column.
set -u
junction=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

expect() {  # expect NAME STATUS MESSAGE-REGEX -- CMD...
  local name=$1 want=$2 regex=$3; shift 4
  local out rc
  out=$("$junction" run -- "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" != "$want" ] || ! grep -Eq "$regex" <<<"$out"; then
    echo "FAIL $name: status $rc (want $want), message: $out"; fail=1
  else
    echo "ok   $name: $rc, $out"
  fi
}

printf 'hello' > "$tmp/text"; chmod +x "$tmp/text"
cp /bin/true "$tmp/noexec"; chmod -x "$tmp/noexec"
head -c 100 /bin/true > "$tmp/truncated"; chmod +x "$tmp/truncated"
# An aarch64 ELF header: /bin/true with e_machine patched to 183.
cp /bin/true "$tmp/arm64"; printf '\xb7\x00' | dd of="$tmp/arm64" bs=1 seek=18 conv=notrunc status=none
# A 32-bit ELF: EI_CLASS = 1.
cp /bin/true "$tmp/elf32"; printf '\x01' | dd of="$tmp/elf32" bs=1 seek=4 conv=notrunc status=none
printf '#!/nonexistent/interpreter\n' > "$tmp/badscript"; chmod +x "$tmp/badscript"
mkdir "$tmp/dir"
mkfifo "$tmp/fifo"; chmod +x "$tmp/fifo"

expect missing 127 "no-such-program.*(not found|No such file)" -- no-such-program-xyz
expect missing_path 127 "$tmp/none: No such file or directory" -- "$tmp/none"
expect not_executable 126 "noexec: Permission denied" -- "$tmp/noexec"
expect directory 126 "dir: (Permission denied|Is a directory)" -- "$tmp/dir"
# Without a writer: opening it would block (it once crashed the LibOS).
expect fifo 126 "fifo: Permission denied" -- "$tmp/fifo"
expect not_elf 126 "text: .*(not an ELF|Exec format)" -- "$tmp/text"
expect truncated 126 "truncated: .*truncated" -- "$tmp/truncated"
expect wrong_arch 126 "arm64: .*aarch64" -- "$tmp/arm64"
expect elf32 126 "elf32: .*32-bit" -- "$tmp/elf32"
expect bad_interpreter 127 "badscript.*interpreter" -- "$tmp/badscript"
printf 'name = "x"\n[cpu]\nmax_cores = "many"\n' > "$tmp/bad.toml"
out=$("$junction" run "$tmp/bad.toml" -- /bin/true 2>&1); rc=$?
if [ $rc = 2 ] && grep -Eq "bad.toml:3:[0-9]+: cpu.max_cores" <<<"$out"; then
  echo "ok   bad_config: $rc, $out"
else
  echo "FAIL bad_config: status $rc, message: $out"; fail=1
fi
exit $fail
