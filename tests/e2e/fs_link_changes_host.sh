#!/usr/bin/env bash
# A guest resolves paths through symlinks many times (so that the container
# knows the links: fs/link_hints.h), then a host process, outside the
# container, retargets a link, renames another over it, puts a directory in
# its place and removes it; the guest's very next open must see each change
# (progs/fs_link_changes.c in `serve` mode answers one path per line).
#
# usage: fs_link_changes_host.sh JUNCTION APP_TOML PROG
set -u
junction=$1; app=$2; prog=$3
guest=
dir=$(mktemp -d); trap 'rm -rf "$dir"; [ -n "$guest" ] && kill "$guest" 2>/dev/null' EXIT
mkdir "$dir/d1" "$dir/d2" "$dir/sub"
echo one > "$dir/d1/f"; echo two > "$dir/d2/f"
ln -s d1 "$dir/top"; ln -s ../d1 "$dir/sub/deep"
coproc "$junction" run "$app" -- "$prog" serve "$dir"
# bash unsets COPROC_PID as soon as it reaps the coprocess, which may be
# before the `wait` below: keep the pid.
guest=$COPROC_PID
fail=0
ask() {  # ask PATH EXPECTED
  echo "$1" >&"${COPROC[1]}"
  local line
  if ! read -r -t 30 line <&"${COPROC[0]}"; then echo "FAIL: no answer for $1"; exit 1; fi
  if [ "$line" != "$2" ]; then echo "FAIL: $1: got '$line', expected '$2'"; fail=1; else echo "ok: $line"; fi
}
both() {  # both EXPECTED_TOP EXPECTED_DEEP, each asked 3 times
  for _ in 1 2 3; do ask top/f "$1"; ask sub/deep/f "$2"; done
}
both 'top/f: "one", stat regular' 'sub/deep/f: "one", stat regular'
ln -sfn d2 "$dir/top"; rm "$dir/sub/deep"; ln -s ../d2 "$dir/sub/deep"
both 'top/f: "two", stat regular' 'sub/deep/f: "two", stat regular'
ln -s d1 "$dir/newtop"; mv -T "$dir/newtop" "$dir/top"
ask top/f 'top/f: "one", stat regular'
rm "$dir/top"; mkdir "$dir/top"; echo three > "$dir/top/f"
ask top/f 'top/f: "three", stat regular'
rm -r "$dir/top"; rm "$dir/sub/deep"; ln -s missing "$dir/sub/deep"
both 'top/f: open ENOENT' 'sub/deep/f: open ENOENT'
exec {COPROC[1]}>&-
wait "$guest" || { echo "FAIL: the guest exited with an error"; fail=1; }
[ $fail = 0 ] && echo PASS
exit $fail
