# Bounded waits for the test scripts (sourced, not run). Each polls every
# 25 ms and gives up after $wait_s seconds (20 unless the caller sets it,
# e.g. `wait_s=60 wait_until ...`): far longer than any step takes on a
# loaded machine, so running out is a failure, never a pass. wait_for
# needs the caller's fail().

# wait_until CMD...: true once CMD succeeds, false if it never did in time.
wait_until() {
  local i
  for ((i = 0; i < ${wait_s:-20} * 40; i++)); do
    "$@" && return 0
    sleep 0.025
  done
  return 1
}

# lines_match FILE PATTERN [COUNT]: at least COUNT (1) lines of FILE match.
lines_match() {
  local n
  n=$(grep -c -- "$2" "$1" 2>/dev/null)
  [ "${n:-0}" -ge "${3:-1}" ]
}

# process_gone PID: no process PID any more (bash reaps its own background jobs).
process_gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_for FILE PATTERN WHAT [COUNT]: until COUNT (1) lines of FILE match
# PATTERN (grep); otherwise the test fails, saying what it waited for.
wait_for() {
  wait_until lines_match "$1" "$2" "${4:-1}" || fail "timed out waiting for $3 (\"$2\" in $1)"
}
