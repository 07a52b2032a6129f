#!/bin/sh
# qemu-retry.sh COMMAND...: runs COMMAND and, when it fails with one of the
# Go runtime crashes qemu-i386 itself causes (qemu-user mishandles the
# runtime's signals and stack switches on i386: "morestack on g0",
# "exitsyscall", "schedule: holding locks"), runs it again, up to three times
# in all. Any other failure fails at once, so a real test failure is never
# retried away. Used for the 386 stages of `make test` only.
out=$(mktemp "${TMPDIR:-/tmp}/qemu-retry.XXXXXX")
trap 'rm -f "$out"' EXIT
try=1
while :; do
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	[ $rc -eq 0 ] && exit 0
	if [ $try -ge 3 ] || ! grep -q -e 'morestack on g0' -e 'exitsyscall' -e 'schedule: holding locks' "$out"; then
		exit $rc
	fi
	echo "qemu-retry: qemu-i386 crashed the Go runtime (not a test failure); run $((try + 1)) of 3"
	try=$((try + 1))
done
