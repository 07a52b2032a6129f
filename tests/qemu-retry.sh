#!/bin/sh
# qemu-retry.sh COMMAND...: runs COMMAND and, when it fails only because
# qemu-i386 itself crashed the Go runtime (qemu-user mishandles the runtime's
# signals and stack switches on i386: "morestack on g0", "exitsyscall",
# "schedule: holding locks"), runs again what crashed, up to three runs in
# all. Used for the 386 stages of `make test`.
#
# For `go test` over several packages (package patterns given as ./dir or
# ./dir/...), the output is read package by package: only the packages whose
# test binary crashed with one of those signatures are run again, by import
# path, with the same flags; a package that reported a test failure (a
# "--- FAIL" line), or failed in any other way, is never retried, so a real
# failure in the same run cannot be retried away. Any other command (the
# smoke test) is one unit: it is run again when its output has a signature.
# The last is qemu's report of the runtime's abort (INT3 on 386) when the
# runtime's own message was lost; picosrs's panics exit 2 with a trace.
sigs='morestack on g0|exitsyscall|schedule: holding locks|uncaught target signal 5 \(Trace/breakpoint trap\)'
out=$(mktemp "${TMPDIR:-/tmp}/qemu-retry.XXXXXX")
trap 'rm -f "$out"' EXIT

# verdicts reads go test's output and prints one line per failed package:
# "crash PKG" (a signature and no test failure) or "fail PKG".
verdicts() {
	awk -v sigs="$sigs" '
		$0 ~ sigs { crashed = 1 }
		/^[ \t]*--- FAIL/ { failed = 1 }
		/^(ok|FAIL|\?)[ \t]/ && NF >= 2 {
			if ($1 == "FAIL") print ((crashed && !failed && $0 !~ /\[build failed\]|\[setup failed\]/) ? "crash " : "fail ") $2
			crashed = 0; failed = 0
		}
	' "$1"
}

# Split the package patterns (./dir, ./dir/..., ../dir, .) off the command:
# a retry runs the command with the crashed packages in their place.
pkgs=
first=1
for a in "$@"; do
	if [ $first -eq 1 ]; then
		set --
		first=0
	fi
	case $a in
	./* | ../* | .) pkgs="$pkgs $a" ;;
	*) set -- "$@" "$a" ;;
	esac
done

try=1
while :; do
	# shellcheck disable=SC2086 # one word per package
	"$@" $pkgs >"$out" 2>&1
	rc=$?
	cat "$out"
	[ $rc -eq 0 ] && exit 0
	[ $try -ge 3 ] && exit $rc
	v=
	[ -n "$pkgs" ] && v=$(verdicts "$out")
	if [ -z "$v" ]; then
		# Not go test over package patterns (or no package summary at
		# all): the command is one unit.
		grep -Eq "$sigs" "$out" || exit $rc
		echo "qemu-retry: qemu-i386 crashed the Go runtime (not a test failure); run $((try + 1)) of 3"
		try=$((try + 1))
		continue
	fi
	if echo "$v" | grep -q '^fail '; then
		echo "qemu-retry: not retried: a package failed for a reason other than a qemu crash:"
		echo "$v" | sed -n 's/^fail /  /p'
		exit $rc
	fi
	pkgs=$(echo "$v" | sed -n 's/^crash //p' | tr '\n' ' ')
	echo "qemu-retry: qemu-i386 crashed the Go runtime in: $pkgs(not a test failure); run $((try + 1)) of 3, those packages only"
	try=$((try + 1))
done
