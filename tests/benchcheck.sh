#!/bin/sh
# benchcheck.sh [FILE]: reads the output of `go test -bench ... -benchmem`
# (FILE, or stdin) and fails unless at least one benchmark whose name
# contains FanOut ran, each of them reports allocs/viewer-tag (the fan-out's
# allocations per viewer per tag, the publisher's own taken out), and each
# reports under 0.5: nothing is allocated per viewer per tag (one allocation
# per viewer, or per round with one viewer, reads 1). A failed run (a FAIL
# or panic line) fails, so an empty or broken run can never pass.
# Used by `make test` (test-bench).
awk '
/^(FAIL|--- FAIL|panic:)/ { failed = 1 }
/^Benchmark[^ \t]*FanOut/ {
	n++
	a = ""
	for (i = 2; i <= NF; i++) if ($i == "allocs/viewer-tag") a = $(i - 1)
	if (a == "") { print "benchcheck: " $1 " reports no allocs/viewer-tag"; bad = 1; next }
	if (a + 0 >= 0.5) { print "benchcheck: " $1 " makes " a " allocs/viewer-tag, want 0"; bad = 1 }
}
END {
	if (failed) { print "benchcheck: the benchmark run failed"; exit 1 }
	if (n == 0) { print "benchcheck: no FanOut benchmark ran"; exit 1 }
	if (bad) exit 1
	print "benchcheck: " n " FanOut benchmarks, no allocation per viewer per tag"
}' "${1:--}"
