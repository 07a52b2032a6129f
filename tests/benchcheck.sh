#!/bin/sh
# benchcheck.sh [FILE]: reads the output of `go test -bench ... -benchmem`
# (FILE, or stdin) and fails unless at least one benchmark whose name
# contains FanOut ran, each of them reports allocs/op (-benchmem), and each
# reports 0: the fan-out allocates nothing per viewer per tag. A failed run
# (a FAIL or panic line) fails, so an empty or broken run can never pass.
# Used by `make test` (test-bench).
awk '
/^(FAIL|--- FAIL|panic:)/ { failed = 1 }
/^Benchmark[^ \t]*FanOut/ {
	n++
	a = ""
	for (i = 2; i <= NF; i++) if ($i == "allocs/op") a = $(i - 1)
	if (a == "") { print "benchcheck: " $1 " reports no allocs/op (run with -benchmem)"; bad = 1; next }
	if (a + 0 != 0) { print "benchcheck: " $1 " makes " a " allocs/op, want 0"; bad = 1 }
}
END {
	if (failed) { print "benchcheck: the benchmark run failed"; exit 1 }
	if (n == 0) { print "benchcheck: no FanOut benchmark ran"; exit 1 }
	if (bad) exit 1
	print "benchcheck: " n " FanOut benchmarks, 0 allocs/op each"
}' "${1:--}"
