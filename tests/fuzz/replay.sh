#!/bin/sh
# Replay each fuzz corpus through its target (built against replay.c), so
# make check catches a regression on any input the fuzzers ever saved.
# A missing replay program is a failure, not a skip: the corpora must run.
top_builddir=${TOP_BUILDDIR:?TOP_BUILDDIR is not set}
top_srcdir=${TOP_SRCDIR:?TOP_SRCDIR is not set}
status=0
for target in furl frame handshake gm announce cap ueb share swissnum; do
	prog=$top_builddir/tests/fuzz/replay_$target
	corpus=$top_srcdir/tests/fuzz/corpus/$target
	if [ ! -x "$prog" ]; then
		echo "replay.sh: $prog is missing" >&2
		status=1
		continue
	fi
	if [ ! -d "$corpus" ]; then
		echo "replay.sh: $corpus is missing" >&2
		status=1
		continue
	fi
	printf '%s: ' "$target"
	if ! "$prog" "$corpus"; then
		echo "replay.sh: replay_$target failed" >&2
		status=1
	fi
done
exit $status
