#!/usr/bin/env bash
# Runs one command natively and under `junction run`, and compares exit
# status and stdout (and stderr with --stderr). Prints a diff on mismatch.
#
# usage: compare.sh JUNCTION APP_TOML [--stderr] [--filter CMD] -- CMD ARGS...
#   --filter CMD  pipe both stdouts through CMD before comparing (e.g. to
#                 drop values that differ between any two runs)
set -u
junction=$1; app=$2; shift 2
compare_stderr=0; filter=cat
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    --stderr) compare_stderr=1; shift ;;
    --filter) filter=$2; shift 2 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The same plain environment for both runs (no version-manager shims).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset _

"$@" >"$tmp/native.out" 2>"$tmp/native.err" </dev/null
native_rc=$?
"$junction" run "$app" -- "$@" >"$tmp/junction.out" 2>"$tmp/junction.err" </dev/null
junction_rc=$?

fail=0
if [ "$native_rc" != "$junction_rc" ]; then
  echo "exit status differs: native $native_rc, junction $junction_rc"; fail=1
fi
bash -c "$filter" <"$tmp/native.out" >"$tmp/native.f"
bash -c "$filter" <"$tmp/junction.out" >"$tmp/junction.f"
if ! cmp -s "$tmp/native.f" "$tmp/junction.f"; then
  echo "stdout differs:"; diff "$tmp/native.f" "$tmp/junction.f" | head -40; fail=1
fi
if [ $compare_stderr = 1 ] && ! cmp -s "$tmp/native.err" "$tmp/junction.err"; then
  echo "stderr differs:"; diff "$tmp/native.err" "$tmp/junction.err" | head -40; fail=1
fi
if [ $fail = 1 ]; then
  echo "--- junction stderr:"; head -40 "$tmp/junction.err"
  exit 1
fi
echo "same exit status ($native_rc) and output ($(wc -c <"$tmp/native.f") bytes)"
