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

# Internal headers (rpc/*-internal.h) are for rpc/ and its unit tests only.
for dir in node grid account cli; do
	[ -d "$top/$dir" ] || continue
	hits=$(grep -nE '#include[[:space:]]+"rpc/[^"]*-internal\.h"' \
	    "$top/$dir"/*.c "$top/$dir"/*.h 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "check-includes: $dir/ must not include rpc/ internals:" >&2
		echo "$hits" >&2
		status=1
	fi
done

# Inside rpc/, modules (x.c, x.h and x-internal.h are module x) include
# one another without a cycle, so that each can be read, tested and
# replaced from the bottom up.  tsort(1) finds a loop if there is one.
edges=$(for f in "$top"/rpc/*.c "$top"/rpc/*.h; do
	[ -f "$f" ] || continue
	from=$(basename "$f" | sed -e 's/\.[ch]$//' -e 's/-internal$//')
	sed -n 's/^#[[:space:]]*include[[:space:]]*"rpc\/\([^"]*\)\.h".*/\1/p' "$f" |
	    sed 's/-internal$//' | while read -r to; do
		[ "$to" = "$from" ] || echo "$from $to"
	done
done)
if ! loops=$(echo "$edges" | tsort 2>&1 >/dev/null) || [ -n "$loops" ]; then
	echo "check-includes: the modules of rpc/ include one another in a" \
	    "cycle:" >&2
	echo "$loops" >&2
	status=1
fi
exit $status
