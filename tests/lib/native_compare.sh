# For the e2e scripts that run one scenario natively and under junction
# and compare the transcripts (sourced, not run).

# free_port: a loopback TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# compare_native JUNCTION [APP]: runs the caller's `scenario RUNNER...`
# natively (no runner), then under `JUNCTION run [APP] --`; prints the
# transcript and PASS if both succeeded with the same transcript, else what
# failed and exits 1 (two runs that fail alike are no pass).
compare_native() {
  local native junction
  native=$(scenario 2>&1) || { echo "FAIL: the native run failed"; echo "$native"; exit 1; }
  junction=$(scenario "$1" run ${2:+"$2"} -- 2>&1) || { echo "FAIL: the junction run failed"; echo "$junction"; exit 1; }
  if [ "$native" != "$junction" ]; then
    echo "FAIL: transcripts differ"
    diff <(echo "$native") <(echo "$junction")
    exit 1
  fi
  echo "$junction"
  echo PASS
}
