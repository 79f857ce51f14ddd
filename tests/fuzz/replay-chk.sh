#!/bin/sh
# Replay the corpora of the CHK fuzz targets (caps, URI extension blocks,
# shares) through their replay programs, as replay.sh does for the others.
top_builddir=${TOP_BUILDDIR:?TOP_BUILDDIR is not set}
top_srcdir=${TOP_SRCDIR:?TOP_SRCDIR is not set}
status=0
for target in cap ueb share; do
	prog=$top_builddir/tests/fuzz/replay_$target
	corpus=$top_srcdir/tests/fuzz/corpus/$target
	if [ ! -x "$prog" ] || [ ! -d "$corpus" ]; then
		echo "replay-chk.sh: $prog or $corpus is missing" >&2
		status=1
		continue
	fi
	printf '%s: ' "$target"
	if ! "$prog" "$corpus"; then
		echo "replay-chk.sh: replay_$target failed" >&2
		status=1
	fi
done
exit $status
