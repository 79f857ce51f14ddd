#!/bin/sh
# Smoke test of tests/bench/attack-bench, so that the benchmark does not
# rot: every attack for one second against a victim it starts, one valid
# JSON line per run and per summary, exit 0, and nothing left behind (the
# victim's FURL file lives under $TMPDIR, here $T).  Nothing is asserted on
# speed: doc/performance.md has the figures.
. "$TOP_SRCDIR/tests/integration/lib.sh"
BENCH=$BUILD/tests/bench/attack-bench
[ -x "$BENCH" ] || fail "missing $BENCH"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
ATTACKS=busy,unread-echo,handshake-flood,conn-flood,gifts

# Light attacks (no more handshakes than the victim's slots, few tubs,
# small echoes) so that the tests make check runs next to this one keep
# their CPU.
TMPDIR=$T timeout -k 5 90 "$BENCH" --seconds 1 --attacks "$ATTACKS" \
    --tubs 20 --flood-conns 16 --flood-addrs 2 --echo-size 65536 \
    --gifts-per-call 4 >"$T/bench.out" 2>"$T/bench.err" ||
    fail "attack-bench exited with $?: $(tail -5 "$T/bench.err")"
ok "attack-bench ran every attack and exited 0"

python3 - "$T/bench.out" "$ATTACKS" <<'PY' || fail "bad output: $(cat "$T/bench.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
attacks = sys.argv[2].split(",")
runs = [l["attack"] for l in lines if "attack" in l]
sums = [l["summary"] for l in lines if "summary" in l]
assert runs == ["none"] + attacks, runs
assert sums == attacks, sums
for l in lines:
    if "attack" in l:
        for k in ("calls_per_s", "p50_us", "p99_us", "connect_p50_us",
                  "rss_max_kb", "rss_end_kb", "attacker"):
            assert k in l, (k, l)
        assert l["rss_max_kb"] > 0, l
        assert "error" not in l["attacker"], l
        if l["attack"] == "none":
            assert l["calls"] > 0, l
    else:
        for k in ("calls_ratio", "p99_ratio", "rss_growth_kb"):
            assert k in l, (k, l)
PY
ok "one JSON line per run and per attack"

if grep -q pb:// "$T/bench.out" "$T/bench.err"; then
	fail "a FURL in attack-bench's output"
fi
left=$(find "$T" -name 'attack-bench-*')
[ -z "$left" ] || fail "left behind: $left"
if pgrep -f "$T/attack-bench-" >/dev/null; then
	fail "a victim process is still running"
fi
ok "no FURL printed, no files or processes left"
