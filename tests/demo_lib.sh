# tests/demo_lib.sh -- what the demos share (sourced after TAHOE, D and
# NODES are set): stop every node and remove D at exit; say and show
# (a command printed with the swissnums of FURLs hidden, then run); start
# and stop a node.
cleanup() {
	for n in $NODES; do
		[ -s "$D/$n/node.lock" ] && kill -TERM "$(cat "$D/$n/node.lock")" \
		    2>/dev/null || true
	done
	sleep 0.5
	rm -rf "$D"
}
trap cleanup EXIT
cd "$D"
say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed -e "s|$TAHOE|tahoe|" -e 's|\(pb://[^ ]*/\)[^ ]*|\1<swissnum hidden>|g' >&2; "$@"; }
start() {
	"$TAHOE" -d "$1" run >"$1.out" 2>&1 &
	i=0
	while [ ! -s "$1/private/control.furl" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "$1 did not start:"; cat "$1.out"; exit 1; }
		sleep 0.1
	done
	echo "   ($1 running, pid $(cat "$1/node.lock"))"
}
stop() {
	kill -TERM "$(cat "$1/node.lock")"
	while [ -e "$1/private/control.furl" ]; do sleep 0.1; done
}
