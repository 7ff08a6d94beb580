#!/usr/bin/env bash
# Runs a curated part of CPython's own regression suite (Debian's
# libpython3.11-testsuite, run by Debian's /usr/bin/python3) under
# `junction run`, and fails on any failure or error. The list file names
# the test modules and the cases left out, each with its reason:
#
#   test_os                              a module (or test_pkg.test_module)
#   skip PATTERN  reason...              regrtest -i: test ids matching PATTERN
#   match PATTERN                        regrtest -m: run only matching ids
#   skipped MODULE reason...             MODULE may be skipped whole here
#   use RESOURCE reason...               regrtest -u: enable RESOURCE (network
#                                        for servers on localhost)
#
# regrtest says SUCCESS when a whole module was skipped (test_epoll when
# select.epoll is missing), so a module skipped without a `skipped` line
# fails the run.
#
# usage: cpython_suite.sh JUNCTION APP_TOML LIST_FILE [--native]
#   --native  run the same selection natively instead (to curate the list:
#             every selected case must pass on Linux first)
set -u
junction=$1; app=$2; list=$3; native=${4:-}
python=/usr/bin/python3
if ! [ -x $python ] || ! $python -c 'import test.libregrtest, test.test_os' 2>/dev/null; then
  echo "cpython_suite: Debian's python3 and libpython3.11-testsuite are needed (scripts/install-deps.sh)"
  exit 77
fi

modules=(); filters=(); may_skip=" "; resources=""
while read -r kind pattern reason; do
  case "$kind" in
    ''|'#'*) ;;
    skip)
      if [ -z "$pattern" ] || [ -z "$reason" ]; then echo "cpython_suite: $list: skip needs a pattern and a reason"; exit 2; fi
      filters+=(-i "$pattern") ;;
    match) filters+=(-m "$pattern") ;;
    use)
      if [ -z "$pattern" ] || [ -z "$reason" ]; then echo "cpython_suite: $list: use needs a resource and a reason"; exit 2; fi
      resources+="${resources:+,}$pattern" ;;
    skipped)
      if [ -z "$pattern" ] || [ -z "$reason" ]; then echo "cpython_suite: $list: skipped needs a module and a reason"; exit 2; fi
      may_skip+="$pattern " ;;
    *) modules+=("$kind") ;;
  esac
done <"$list"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
# The same plain environment as natively (no version-manager shims).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset _
# Python's buffering at its defaults (test_cmd_line checks them).
unset PYTHONUNBUFFERED
# The guest is the container's pid 1: regrtest's default work directory
# (/tmp/test_python_PID) would be shared by concurrent runs. Keep them apart.
export TMPDIR=$work
cmd=($python -m test -v --tempdir "$work" ${resources:+-u "$resources"} "${filters[@]}" "${modules[@]}")
# SIGINT at its default: Python raises KeyboardInterrupt (which the
# multiprocessing and signal cases send themselves) only if SIGINT was not
# ignored when it started, as it is in a background job of a script.
if [ "$native" = --native ]; then
  env --default-signal=INT "${cmd[@]}" >out.log 2>&1 </dev/null
else
  env --default-signal=INT "$junction" run "$app" -- "${cmd[@]}" >out.log 2>&1 </dev/null
fi
rc=$?
ran=$(awk '/^Ran [0-9]+ tests?/ {n += $2} END {print n + 0}' out.log)
# The summary's "N tests skipped:" (also "... (resource denied):") lists
# the modules on the indented lines after it.
skipped=$(awk '/^[0-9]+ tests? skipped/ {s = 1; next} s && /^    / {print} !/^    / {s = 0}' out.log | xargs -n1 | sort -u)
unexpected=""
for m in $skipped; do
  case "$may_skip" in *" $m "*) ;; *) unexpected+=" $m" ;; esac
done
if [ -n "$unexpected" ]; then
  echo "cpython_suite: modules skipped whole that $list does not expect:$unexpected"
  grep -E "^test_[a-z0-9_.]+ skipped" out.log | sort -u | head -20
  exit 1
fi
if [ "$ran" -eq 0 ]; then
  echo "cpython_suite: no case ran (a match line that selects nothing?)"
  tail -n 20 out.log
  exit 1
fi
if [ $rc -eq 0 ] && grep -q '^Tests result: SUCCESS' out.log; then
  echo "cpython_suite: ${#modules[@]} modules, $ran cases, all passed"
  exit 0
fi
echo "cpython_suite: exit status $rc; failures and errors:"
grep -E '\.\.\. .*(FAIL|ERROR)$|^(FAIL|ERROR): ' out.log | sort -u | head -40
echo "--- last lines:"
tail -n 40 out.log
exit 1
