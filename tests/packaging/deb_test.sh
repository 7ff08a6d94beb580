#!/usr/bin/env bash
# Builds the junction .deb, installs it on this machine, checks what it put
# where, then removes and purges it and checks that it is gone.
#
#   tests/packaging/deb_test.sh [BUILD_DIR]      (default: build/release)
#
# Needs root (dpkg -i). Exit status: 0 pass, 1 fail, 77 skipped (not root,
# or a junction package is already installed and JUNCTION_DEB_TEST_FORCE is
# not 1: the test would replace and then purge it). Whatever happens, the
# package is purged again and the scratch directory removed.
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${1:-$SRC_DIR/build/release}"
PKG=junction

step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root to install the package"
[ -f "$BUILD_DIR/CPackConfig.cmake" ] || fail "$BUILD_DIR is not a configured build directory (no CPackConfig.cmake)"
command -v dpkg-deb >/dev/null || fail "dpkg-deb not found"

installed() { dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -qv '^not-installed$'; }
if installed && [ "${JUNCTION_DEB_TEST_FORCE:-0}" != 1 ]; then
  skip "package $PKG is already installed; set JUNCTION_DEB_TEST_FORCE=1 to let this test replace and purge it"
fi

WORK="$(mktemp -d /tmp/junction-deb-test.XXXXXX)"
cleanup() {
  local rc=$?
  if installed; then
    echo "--- cleanup: purging $PKG"
    dpkg --purge "$PKG" >/dev/null 2>&1 || echo "cleanup: dpkg --purge $PKG failed" >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

VERSION="$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD_DIR/CPackConfig.cmake")"
[ -n "$VERSION" ] || fail "no CPACK_PACKAGE_VERSION in $BUILD_DIR/CPackConfig.cmake"
DEB="$WORK/${PKG}_${VERSION}_amd64.deb"

step "building (cmake --build $BUILD_DIR) and packaging (cpack -G DEB)"
cmake --build "$BUILD_DIR" >"$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; fail "build failed"; }
(cd "$BUILD_DIR" && cpack -G DEB -B "$WORK" >"$WORK/cpack.log" 2>&1) ||
  { cat "$WORK/cpack.log"; fail "cpack failed"; }
[ -f "$DEB" ] || { ls -la "$WORK"; fail "expected $DEB"; }
ls -la "$DEB"

step "package metadata"
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = "$PKG" ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION" ] || fail "Version: $(field Version), want $VERSION"
[ "$(field Architecture)" = amd64 ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Section)" ] || fail "no Section"
[ -n "$(field Description)" ] || fail "no Description"
dpkg-deb -f "$DEB" Package Version Architecture Maintainer Section Depends

step "package contents"
dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's|^\./|/|' >"$WORK/contents"
expected=(
  /usr/bin/junction
  /usr/lib/systemd/system/junction-daemon.service
  /etc/junction/daemon.toml
  /usr/share/junction/examples/minimal.toml
  /usr/share/junction/examples/bypass.toml
  /usr/share/junction/examples/daemon.toml
  /usr/share/man/man1/junction.1.gz
  /usr/share/doc/junction/copyright
)
for f in "${expected[@]}"; do
  grep -qx "$f" "$WORK/contents" || fail "$f is not in the package"
done

step "dpkg -i"
dpkg -i "$DEB"
installed || fail "dpkg -i did not install $PKG"

step "installed files"
for f in "${expected[@]}"; do
  [ -e "$f" ] || fail "$f missing after install"
done
[ -x /usr/bin/junction ] || fail "/usr/bin/junction is not executable"
file -L /usr/bin/junction | tee "$WORK/file.txt"
grep -Eq 'static-pie linked|statically linked' "$WORK/file.txt" || fail "/usr/bin/junction is not statically linked"
grep -q 'not stripped' "$WORK/file.txt" && fail "/usr/bin/junction is not stripped"
grep -qx 'ExecStart=/usr/bin/junction daemon --config /etc/junction/daemon.toml' \
  /usr/lib/systemd/system/junction-daemon.service || fail "unit has the wrong ExecStart"
grep -qx 'Restart=on-failure' /usr/lib/systemd/system/junction-daemon.service || fail "unit lacks Restart=on-failure"
gzip -t /usr/share/man/man1/junction.1.gz || fail "man page is not valid gzip"
zcat /usr/share/man/man1/junction.1.gz | grep -q '^\.TH JUNCTION 1' || fail "man page has no .TH header"
if command -v man >/dev/null; then
  man -l /usr/share/man/man1/junction.1.gz >/dev/null 2>&1 || fail "man cannot render junction.1"
fi
if command -v systemd-analyze >/dev/null; then
  # Reports unknown directives and a missing ExecStart binary; harmless
  # warnings about the host's own units are filtered out.
  systemd-analyze verify /usr/lib/systemd/system/junction-daemon.service 2>&1 |
    grep 'junction-daemon' | tee "$WORK/verify.txt" || true
  [ ! -s "$WORK/verify.txt" ] || fail "systemd-analyze verify complains about the unit"
fi

step "conffile"
dpkg-query -W -f='${Conffiles}\n' "$PKG" | tee "$WORK/conffiles"
grep -q '^ /etc/junction/daemon.toml ' "$WORK/conffiles" || fail "/etc/junction/daemon.toml is not a conffile"

step "junction --version"
out="$(/usr/bin/junction --version)"
echo "$out"
[[ "$out" == *"$VERSION"* ]] || fail "--version does not print $VERSION"

step "junction config check"
/usr/bin/junction config check /etc/junction/daemon.toml >"$WORK/check.txt" 2>&1 ||
  { cat "$WORK/check.txt"; fail "config check /etc/junction/daemon.toml"; }
head -20 "$WORK/check.txt"
for f in /usr/share/junction/examples/*.toml; do
  /usr/bin/junction config check "$f" >"$WORK/check.txt" 2>&1 ||
    { cat "$WORK/check.txt"; fail "config check $f"; }
  echo "ok: $f"
done

step "dpkg -r keeps an edited conffile"
echo "# edited by deb_test.sh" >>/etc/junction/daemon.toml
dpkg -r "$PKG"
[ ! -e /usr/bin/junction ] || fail "/usr/bin/junction still there after dpkg -r"
[ -f /etc/junction/daemon.toml ] || fail "dpkg -r removed the conffile"

step "dpkg --purge"
dpkg --purge "$PKG"
installed && fail "$PKG still installed after purge"
for f in "${expected[@]}"; do
  [ ! -e "$f" ] || fail "$f still there after purge"
done
for d in /etc/junction /usr/share/junction /usr/share/doc/junction; do
  [ ! -e "$d" ] || fail "$d still there after purge"
done

echo "PASS: $DEB installs, runs and purges cleanly"
