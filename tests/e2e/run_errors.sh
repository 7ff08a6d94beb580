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
# A mount that cannot be made: status 1 and the config key that names it.
expect_config() {  # expect_config NAME MESSAGE-REGEX -- CMD...
  local name=$1 regex=$2; shift 3
  local out rc
  out=$("$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" != 1 ] || ! grep -Eq "$regex" <<<"$out"; then
    echo "FAIL $name: status $rc (want 1), message: $out"; fail=1
  else
    echo "ok   $name: $rc, $out"
  fi
}
printf '[[fs.mounts]]\ntype = "bind"\ntarget = "/data"\nsource = "%s/none"\n' "$tmp" > "$tmp/bind.toml"
expect_config bind_source "bind.toml: fs.mounts\[0\].source: \"$tmp/none\": No such file or directory" \
  -- "$junction" run "$tmp/bind.toml" -- /bin/true
# The container's /dev/shm directory (named by junction's host pid) goes
# with the container that did not start.
"$junction" run "$tmp/bind.toml" -- /bin/true 2>/dev/null & jpid=$!
wait $jpid
left=$(ls -d /dev/shm/junction-shm-$jpid-* 2>/dev/null)
if [ -z "$left" ]; then echo "ok   bind_source_shm_dir: none left"; else echo "FAIL bind_source_shm_dir: left $left"; fail=1; rm -rf $left; fi
# A config tmpfs mount whose host directory cannot be made beside the
# container's /dev/shm directory is an error, not a tmpfs private to each
# process (where a file a child writes is lost to its parent). A /dev/shm
# with room for the container's own directories and no more: tried with
# 2 to 12 inodes (too few: no container directory, and the documented
# LibOS tmpfs; enough: the mount works), one count must give the error.
# Needs root (unshare, mount).
if unshare --mount true 2>/dev/null; then
  printf '[[fs.mounts]]\ntype = "tmpfs"\ntarget = "/scratch"\n' > "$tmp/tmpfs.toml"
  seen=""
  for n in $(seq 2 12); do
    out=$(unshare --mount --propagation private \
      sh -c 'mount -t tmpfs -o size=64k,nr_inodes=$0 junction-full-shm /dev/shm && exec "$@"' "$n" \
      "$junction" run "$tmp/tmpfs.toml" -- /bin/true 2>&1); rc=$?
    if [ $rc = 1 ] && grep -Eq "tmpfs.toml: fs.mounts\[0\] \(tmpfs at /scratch\): .*No space left on device" <<<"$out"; then
      seen="$n inodes: $out"; break
    fi
  done
  if [ -n "$seen" ]; then echo "ok   tmpfs_dir: $seen"; else echo "FAIL tmpfs_dir: no /dev/shm size gave the error"; fail=1; fi
fi
exit $fail
