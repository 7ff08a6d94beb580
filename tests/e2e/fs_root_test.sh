#!/usr/bin/env bash
# The container root is a real boundary: a root holding only a static
# busybox; "..", absolute and relative symlinks, /proc/self/root and
# openat2 never reach the host's files (busybox, and ESCAPE_PROG: a static
# program trying every way out, progs/fs_escape.c). Also cpu/memory views.
# usage: fs_root_test.sh JUNCTION ESCAPE_PROG
set -u
junction=$1; escape_prog=$2
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/d/e"
cp /bin/busybox "$root/bin/"
cp "$escape_prog" "$root/bin/escape"
echo inside >"$root/etc/marker"
ln -s /etc "$root/d/abs"
ln -s ../../../../../../etc "$root/d/rel"
ln -s /../../.. "$root/d/e/up"
fail=0
run() { "$junction" run --set fs.root="$root" "$@"; }
expect() {  # expect WHAT EXPECTED CMD...
  local what=$1 want=$2; shift 2
  local got; got=$(run "$@" 2>&1)
  if [ "$got" != "$want" ]; then echo "FAIL $what: got '$got', want '$want'"; fail=1; else echo "ok $what"; fi
}
expect "plain" inside -- /bin/busybox cat /etc/marker
expect "dot-dot at root" inside -- /bin/busybox cat /../../../etc/marker
expect "absolute symlink" inside -- /bin/busybox cat /d/abs/marker
expect "relative symlink past root" inside -- /bin/busybox cat /d/rel/marker
expect "symlink to /.." inside -- /bin/busybox cat /d/e/up/etc/marker
expect "proc self root" inside -- /bin/busybox cat /proc/self/root/etc/marker
expect "proc self root link" / -- /bin/busybox readlink /proc/self/root
expect "host passwd hidden" "cat: can't open '/etc/passwd': No such file or directory" -- /bin/busybox cat /etc/passwd
# stat of absolute paths (the lazy stat): a symlink on the way is followed
# inside the root, never on the host.
expect "stat through absolute symlink" 7 -- /bin/busybox stat -c %s /d/abs/marker
expect "stat through relative symlink" 7 -- /bin/busybox stat -c %s /d/rel/marker
expect "stat of host passwd through symlink" "stat: can't stat '/d/abs/passwd': No such file or directory" -- /bin/busybox stat -c %s /d/abs/passwd
expect "stat of host passwd" "stat: can't stat '/etc/passwd': No such file or directory" -- /bin/busybox stat -c %s /etc/passwd
expect "stat -L of a symlink past root" directory -- /bin/busybox stat -L -c %F /d/e/up
expect "cwd at root" / -- /bin/busybox pwd
# Mount points missing from the host directory are listed too.
expect "ls root" $'bin\nd\ndev\netc\nproc\nsys' -- /bin/busybox ls -1 /
expect "cpu online" 0 --set cpu.max_cores=1 -- /bin/busybox cat /sys/devices/system/cpu/online
expect "cpuinfo processors" 1 --set cpu.max_cores=1 -- /bin/busybox grep -c ^processor /proc/cpuinfo
expect "meminfo limit" "MemTotal:         131072 kB" --set limits.memory=128M -- /bin/busybox grep MemTotal /proc/meminfo
expect "create in root" made -- /bin/busybox sh -c 'echo made > /d/new; cat /d/new'
[ -f "$root/d/new" ] || { echo "FAIL file not created under the root"; fail=1; }
want_escape="dot-dot: inside
absolute symlink: inside
relative symlink: inside
symlink to /../..: inside
host file: No such file or directory
host file past the root: No such file or directory
proc self root: inside
proc self root dot-dot: No such file or directory
proc self cwd dot-dot: inside
openat2 plain dot-dot: inside
openat2 plain host file: No such file or directory
openat2 BENEATH dot-dot: Invalid cross-device link
openat2 BENEATH absolute link: Invalid cross-device link
openat2 IN_ROOT dot-dot: No such file or directory
openat2 IN_ROOT absolute: No such file or directory
openat2 NO_SYMLINKS: Too many levels of symbolic links
openat2 NO_MAGICLINKS: Too many levels of symbolic links
stat absolute symlink: size 7
stat absolute symlink: size 7
stat host file past the root: No such file or directory
stat host file past the root: No such file or directory
stat through the symlink to /../..: size 7
stat through the symlink to /../..: size 7
cwd after chdir up: /
create past the root: created
create relative past the root: created
symlink creation: ok
through the new symlink: No such file or directory"
expect "every way out (C, openat2)" "$want_escape" -- /bin/escape
for f in escape-test escape-test2; do
  [ -f "$root/$f" ] || { echo "FAIL $f not created inside the root"; fail=1; }
  [ -e "/$f" ] && { echo "FAIL $f created on the host root"; rm -f "/$f"; fail=1; }
done
[ -e /d/new ] && { echo "FAIL created on the host root"; fail=1; }
exit $fail
