#!/usr/bin/env bash
# Regenerates the table in docs/syscalls.md from the syscall table itself
# (`junction run --list-syscalls`). The prose above the table is kept.
#
# usage: scripts/gen-syscall-docs.sh [JUNCTION]   (default: build/release/junction)
# tests/unit/syscall_table_test.cc fails when the checked-in table is stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
junction=${1:-$root/build/release/junction}
doc=$root/docs/syscalls.md
begin='<!-- BEGIN GENERATED TABLE: scripts/gen-syscall-docs.sh -->'
end='<!-- END GENERATED TABLE -->'

table=$(mktemp); trap 'rm -f "$table" "$table.new"' EXIT
"$junction" run --list-syscalls >"$table"
grep -qF -- "$begin" "$doc" || { echo "gen-syscall-docs.sh: no '$begin' line in $doc" >&2; exit 1; }
awk -v begin="$begin" -v end="$end" -v table="$table" '
  $0 == end { skip = 0; next }
  skip { next }
  { print }
  $0 == begin {
    print "```"
    while ((getline line < table) > 0) print line
    print "```"
    print end
    skip = 1
  }' "$doc" >"$table.new"
mv "$table.new" "$doc"
echo "gen-syscall-docs.sh: $(wc -l <"$table") system calls written to docs/syscalls.md"
