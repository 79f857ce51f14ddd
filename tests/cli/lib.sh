# tests/cli/lib.sh -- helpers for command-level tests of `tahoe`.  Source it
# after tests/integration/lib.sh; it sets TAHOE and works in $T.
TAHOE=$BUILD/cli/tahoe
[ -x "$TAHOE" ] || fail "missing $TAHOE"
cd "$T" || exit 1
passed=0

# expect STATUS CMD...: run CMD and check its exit status; its output is
# left in ./out and ./err.
expect() {
	want=$1
	shift
	"$@" >out 2>err
	got=$?
	[ "$got" = "$want" ] || {
		echo "--- stdout"; cat out; echo "--- stderr"; cat err
		fail "'$*' exited $got, expected $want"
	}
	passed=$((passed + 1))
}

# step CMD...: a set-up step, which must succeed; its output goes to
# stdout (redirect it), its errors end the test.
step() {
	"$@" 2>step.err || {
		_step_rc=$?
		cat step.err
		fail "set-up step '$*' exited $_step_rc"
	}
}

# one_line_error TEXT: the first line of ./err mentions TEXT.
one_line_error() {
	[ "$(grep -c . err)" -ge 1 ] || fail "no error message"
	head -1 err | grep -q -e "$1" || fail "error '$(head -1 err)' lacks '$1'"
}

# snapshot DIR: names and hashes of the files below DIR, to compare.
snapshot() {
	(cd "$1" && find . -type f | sort | xargs -r sha256sum)
}
