#!/bin/sh
# Two real processes: a server tub writes its FURL file; client processes
# read it and call.  Also: a FURL naming another tubid is refused with
# "tubid mismatch", a guessed swissnum gets "not-found", secrets stay out of
# logs, and SIGTERM shuts the server down cleanly.
. "$TOP_SRCDIR/tests/integration/lib.sh"
RPCBENCH=$BUILD/tests/bench/rpc-bench
[ -x "$RPCBENCH" ] || fail "missing $RPCBENCH"
# Every client process runs under a time limit: a hang is a failure.
BENCH="timeout -k 5 60 $RPCBENCH"

spawn server "$RPCBENCH" serve --furl-file "$T/calc.furl"
wait_file "$T/calc.furl" 10 || fail "server wrote no FURL file"
ok "server wrote its FURL file"
mode=$(stat -c %a "$T/calc.furl")
[ "$mode" = 600 ] || fail "FURL file mode is $mode, not 600"

out=$($BENCH call --furl-file "$T/calc.furl" add 2 3) ||
    fail "add call failed: $out"
[ "$out" = "add(2, 3) = 5" ] || fail "unexpected answer: $out"
ok "second process called add: $out"

out=$($BENCH call --furl-file "$T/calc.furl" echo hello) ||
    fail "echo call failed"
[ "$out" = 'echo -> "hello"' ] || fail "unexpected echo: $out"
ok "echo answered"

# The same address and swissnum under another tubid: refused.
furl=$(cat "$T/calc.furl")
swiss=${furl##*/}
rest=${furl#pb://}
tubid=${rest%%@*}
# Another valid tubid: change the first character only.
case $tubid in a*) other=b${tubid#?} ;; *) other=a${tubid#?} ;; esac
printf '%s\n' "pb://$other@${rest#*@}" >"$T/forged.furl"
if $BENCH call --furl-file "$T/forged.furl" add 1 1 \
    >"$T/forged.out" 2>"$T/forged.err"; then
	fail "call through a forged tubid succeeded"
fi
grep -q "tubid mismatch" "$T/forged.err" ||
    fail "no 'tubid mismatch' in: $(cat "$T/forged.err")"
ok "forged tubid refused: tubid mismatch"

printf '%s\n' "pb://$tubid@${rest#*@}" | sed "s|/$swiss\$|/guessedguessedguessedguessed|" \
    >"$T/guess.furl"
if $BENCH call --furl-file "$T/guess.furl" add 1 1 \
    >"$T/guess.out" 2>"$T/guess.err"; then
	fail "call with a guessed swissnum succeeded"
fi
grep -q "not-found" "$T/guess.err" ||
    fail "no 'not-found' in: $(cat "$T/guess.err")"
ok "guessed swissnum: not-found"

out=$($BENCH call --furl-file "$T/calc.furl" add 40 2) ||
    fail "server stopped serving"
[ "$out" = "add(40, 2) = 42" ] || fail "unexpected answer: $out"
ok "server still serves"

kill -TERM "$server_pid"
wait_exit "$server_pid" 10
rc=$?
[ $rc -eq 0 ] || fail "server exit status $rc after SIGTERM"
ok "server shut down cleanly on SIGTERM"

if grep -qF "$swiss" "$T"/*.err "$T"/*.out; then
	fail "a swissnum appeared in a log or output"
fi
ok "no swissnum in any output"
echo "1 passed, 0 failed"
