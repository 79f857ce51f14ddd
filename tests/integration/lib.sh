# tests/integration/lib.sh -- helpers for integration tests that run real
# processes on 127.0.0.1.  Source it; it sets $T (a temporary directory,
# removed at exit unless KEEP_TEST_DIRS=1) and kills every process started
# with 'spawn' when the test exits.

set -u
BUILD=${TOP_BUILDDIR:-$(pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/tahoe-it.XXXXXX")
PIDS=

cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		_lib_n=0
		while kill -0 "$p" 2>/dev/null && [ $_lib_n -lt 50 ]; do
			sleep 0.1
			_lib_n=$((_lib_n + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ "${KEEP_TEST_DIRS:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

# spawn NAME CMD...: start CMD in the background, output in $T/NAME.out and
# $T/NAME.err; its pid goes in the variable NAME_pid.
spawn() {
	name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	eval "${name}_pid=$!"
	PIDS="$PIDS $!"
}

# wait_file PATH SECONDS: wait until PATH exists and is not empty.
# (The helpers count with their own _lib_ variables: sh has no locals,
# and a caller's $i must survive them.)
wait_file() {
	_lib_n=0
	while [ ! -s "$1" ]; do
		[ $_lib_n -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	return 0
}

# wait_started NAME DIR [SECONDS]: wait (30 s by default) until the node
# in DIR, spawned as NAME, has written its control FURL; otherwise fail,
# saying whether it still runs and what it last wrote to stderr.
wait_started() {
	wait_file "$2/private/control.furl" "${3:-30}" && return 0
	if eval "kill -0 \"\${$1_pid:-0}\"" 2>/dev/null; then
		_lib_how="still running"
	else
		_lib_how="exited"
	fi
	fail "$1 did not start within ${3:-30} s ($_lib_how): $(tail -n 3 \
	    "$T/$1.err" 2>/dev/null | tr '\n' ' ')"
}

# wait_exit PID SECONDS: wait for PID to exit; return its status, or 124.
wait_exit() {
	_lib_n=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_lib_n -ge $(($2 * 10)) ] && return 124
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	wait "$1"
}

# need_chromium: set CHROMIUM, or skip the test (77) without one.
need_chromium() {
	CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$CHROMIUM" ] || { echo "SKIP: no chromium"; exit 77; }
}

# dom URL OUT: the DOM headless Chromium built for URL, within 60 s.
dom() {
	_lib_profile=$(mktemp -d "$T/chromium.XXXXXX")
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$_lib_profile" \
	    --dump-dom "$1" >"$2" 2>"$2.err" ||
	    fail "chromium: $(tail -3 "$2.err")"
}

# t SECONDS CMD...: run CMD with a time limit (a hang is a failure).
t() {
	_lib_lim=$1
	shift
	timeout -k 5 "$_lib_lim" "$@"
}

# count_connected NODEDIR: the servers NODEDIR's node sees connected (-1
# if it does not answer).  Needs $TAHOE and $PY.
count_connected() {
	t 20 "$TAHOE" -d "$1" status --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for s in d.get("servers", []) if s["state"] == "connected"))
' 2>/dev/null || echo -1
}

# wait_connected NODEDIR N SECONDS: wait until the node sees N servers.
wait_connected() {
	_lib_n=0
	while [ "$(count_connected "$1")" != "$2" ]; do
		[ $_lib_n -ge $(($3 * 5)) ] && return 1
		sleep 0.2
		_lib_n=$((_lib_n + 1))
	done
	return 0
}

# mkfile PATH BYTES: a file of random bytes.  Needs $PY.
mkfile() {
	"$PY" -c 'import os, sys; sys.stdout.buffer.write(os.urandom(int(sys.argv[1])))' \
	    "$2" >"$1"
}
