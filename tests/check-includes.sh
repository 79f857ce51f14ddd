#!/bin/sh
# Fail if a library includes a header from a folder it must not depend on.
# Dependencies point one way: cli -> account, grid -> node -> rpc.
top=${1:-.}
status=0
check() {
	dir=$1; shift
	[ -d "$top/$dir" ] || return 0
	for bad in "$@"; do
		hits=$(grep -nE "#include[[:space:]]+\"$bad/" "$top/$dir"/*.c "$top/$dir"/*.h 2>/dev/null)
		if [ -n "$hits" ]; then
			echo "check-includes: $dir/ must not include $bad/:" >&2
			echo "$hits" >&2
			status=1
		fi
	done
}
check rpc node grid account cli
check node grid account cli
check grid account cli
check account cli
exit $status
