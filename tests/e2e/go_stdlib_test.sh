#!/usr/bin/env bash
# Go's standard-library tests (the Debian toolchain's own sources, nothing
# downloaded) under `junction run`: builds each package's test binary
# (cached in GOCACHE), runs it with -test.short from the package's source
# directory (tests read testdata), and fails on any test that fails or on a
# crash or hang of the binary, or on a package with no test passed. Tests named in the skip list are left out.
#
# usage: go_stdlib_test.sh JUNCTION APP_TOML GO WORKDIR SKIP_LIST PKG...
#   SKIP_LIST lines: "PKG TEST reason..." (# comments); WORKDIR holds the
#   binaries and the GOCACHE.
set -u
junction=$(realpath "$1"); app=$(realpath "$2"); go=$3; work=$(realpath -m "$4"); skips=$(realpath "$5"); shift 5
mkdir -p "$work/bin" "$work/logs"
export GOCACHE=$work/gocache GOPATH=$work/gopath HOME=$work GOFLAGS= GOMAXPROCS=2
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
goroot=$("$go" env GOROOT)
bad=0; total=0
for pkg in "$@"; do
  name=${pkg//\//_}
  bin=$work/bin/$name.test
  tags=""
  [ "$pkg" = time ] && tags="-tags timetzdata"  # the zones its tests load, whatever /usr/share/zoneinfo holds
  start=$(date +%s)
  if ! "$go" test -c $tags -o "$bin" "$pkg" >"$work/logs/$name.build" 2>&1; then
    echo "$pkg: build failed"; head -5 "$work/logs/$name.build"; bad=1; continue
  fi
  built=$(date +%s)
  cd "$goroot/src/$pkg" || { bad=1; continue; }
  # The tests to run: all the binary lists, minus the skipped ones.
  skipped=$(awk -v p="$pkg" '$1 == p {print $2}' "$skips" | paste -sd'|')
  run=$("$bin" -test.list '.*' | grep -v -x -E "${skipped:-^$}" | paste -sd'|')
  if [ -z "$run" ]; then  # -test.run '^()$' would run nothing and pass
    echo "$pkg: -test.list gave no tests to run"; bad=1; continue
  fi
  log=$work/logs/$name.junction
  timeout -k 5 120 "$junction" run "$app" -- "$bin" -test.short -test.v -test.timeout 100s \
    -test.run "^($run)\$" >"$log" 2>&1 </dev/null
  rc=$?
  pass=$(grep -c -E '^--- PASS' "$log"); fails=$(grep -E '^--- FAIL' "$log" | awk '{print $3}' | paste -sd' ')
  total=$((total + pass))
  if [ $rc != 0 ] || [ -n "$fails" ] || [ "$pass" = 0 ]; then
    echo "$pkg: exit $rc, $pass passed, failed: ${fails:-none}; last lines of $log:"
    grep -E -A5 '^--- FAIL|^panic|^fatal' "$log" | head -30
    bad=1
  else
    echo "$pkg: $pass passed${skipped:+ (skipped: ${skipped//|/ })}; build $((built - start)) s, run $(($(date +%s) - built)) s"
  fi
done
echo "total: $total tests passed"
exit $bad
