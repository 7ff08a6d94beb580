# Checks of `junction ps --json` for the daemon test scripts (sourced after
# daemon_env.sh). A check is Python over `rows` (the listing) and `by` (the
# rows by name), run after asserting that every row has the documented
# fields (docs/daemon.md).

# ps_json: a fresh listing in $tmp/ps.json; the test fails if ps does.
ps_json() { "$junction" ps --json >"$tmp/ps.json" 2>"$tmp/ps.err" || fail "ps --json: $(cat "$tmp/ps.err")"; }

# json_holds CHECK: CHECK holds on $tmp/ps.json (its error in $tmp/check.err).
json_holds() {
  python3 - "$tmp/ps.json" "$1" 2>"$tmp/check.err" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list)
for r in rows:
    for k, t in (("id", str), ("name", str), ("class", str), ("mode", str), ("pids", list),
                 ("cores", dict), ("queue_delay_us", dict), ("uthreads", dict),
                 ("uptime_s", (int, float)), ("command", list), ("processes", list)):
        assert isinstance(r[k], t), (k, r)
    assert r["class"] in ("latency-critical", "best-effort")
    assert r["mode"] in ("daemon", "standalone")
    assert set(r["cores"]) == {"active", "guaranteed", "max"}
    assert "ip" in r and "preemptions" in r and "rss_bytes" in r
by = {r["name"]: r for r in rows}
exec(sys.argv[2])
PY
}

# check_json CHECK WHAT: CHECK holds on the last listing, or the test fails.
check_json() { json_holds "$1" || fail "ps --json: $2: $(cat "$tmp/ps.json") $(cat "$tmp/check.err")"; }

# listed CHECK: CHECK holds on a fresh listing (a failing ps is a no).
listed() { "$junction" ps --json >"$tmp/ps.json" 2>"$tmp/ps.err" && json_holds "$1"; }

# until_listed CHECK WHAT: CHECK holds on a fresh listing within the bound
# (a grant the daemon makes takes as long as the host takes to run it), or
# the test fails.
until_listed() { wait_until listed "$1" || { ps_json; check_json "$1" "$2"; }; }
