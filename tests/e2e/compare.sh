#!/usr/bin/env bash
# Runs one command natively and under `junction run`, and compares exit
# status and stdout (and stderr with --stderr). Prints a diff on mismatch.
#
# usage: compare.sh JUNCTION APP_TOML [--stderr] [--filter CMD] [--allow-empty] -- CMD ARGS...
#   --filter CMD   pipe both stdouts through CMD before comparing (e.g. to
#                  drop values that differ between any two runs)
#   --allow-empty  the native run may print nothing (otherwise an empty native
#                  stdout fails: two runs that both print nothing prove nothing)
set -u
junction=$1; app=$2; shift 2
compare_stderr=0; filter=cat; allow_empty=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    --stderr) compare_stderr=1; shift ;;
    --filter) filter=$2; shift 2 ;;
    --allow-empty) allow_empty=1; shift ;;
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
# A native run that could not start (tool not installed) proves nothing.
if [ "$native_rc" = 126 ] || [ "$native_rc" = 127 ]; then
  echo "the native run could not execute $1 (exit $native_rc): is it installed?"
  head -5 "$tmp/native.err"; exit 1
fi
if [ $allow_empty = 0 ] && [ ! -s "$tmp/native.out" ]; then
  echo "the native run printed nothing on stdout (exit $native_rc); a comparison of two empty outputs proves nothing"
  head -5 "$tmp/native.err"; exit 1
fi
if [ "$native_rc" != "$junction_rc" ]; then
  echo "exit status differs: native $native_rc, junction $junction_rc"; fail=1
fi
bash -c "$filter" <"$tmp/native.out" >"$tmp/native.f" 2>"$tmp/filter.err"
bash -c "$filter" <"$tmp/junction.out" >"$tmp/junction.f" 2>>"$tmp/filter.err"
if [ -s "$tmp/filter.err" ]; then
  echo "the filter failed: $filter"; head -5 "$tmp/filter.err"; exit 1
fi
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
