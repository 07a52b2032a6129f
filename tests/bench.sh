#!/bin/sh
# bench.sh: the fan-out benchmark of issue 7 (`make bench`). It builds picosrs
# and cmd/picosrs-load, then for each point of the targets table writes a
# configuration, starts picosrs pinned to core 0 (taskset, where available),
# runs the load tool pinned to core 1 against it on loopback, and prints the
# measured table beside the targets.
#
# Environment:
#   BENCH_SECONDS  length of each run after the 3 s warm-up (default 30)
#   BENCH_VIEWERS  viewers for the 1000-viewer points (default 1000; the
#                  500-viewer point uses half of it)
#   BENCH_POINTS   space-separated subset of: defaults realtime mw40 mw0 half ts
#                  hls hlsonly rtmp publishers slow wide ws https wss base0
#                  basehalf base20 (default: all but base0, which mw0 runs,
#                  and wss; hls: 1000 HLS players, hls_fragment 2, beside the
#                  1000 HTTP-TS viewers of ts, whose CPU it adds to; hlsonly:
#                  the 1000 HLS players alone; ws, https and wss are WS-FLV,
#                  HTTPS-FLV and WSS-FLV viewers at the defaults point's
#                  settings; a point may be named twice, for paired runs;
#                  base* are the floor on this machine: picosrs-load
#                  -baseline writing each tag as it comes, to 1000 or 500
#                  viewers, or at most every 20 ms: the reference programs of
#                  issue 7). mw0 alternates with base0, BENCH_PAIRS times
#                  (default 2), and the report prints each pair's ratio. wide
#                  is 2000 viewers of the 1 Mbit/s file with the server on
#                  both cores, beside 1000 on one core.
#   BENCH_OUT      directory for configs, logs and results (default: a temp dir)
#   BENCH_FIXTURE  FLV to publish (default tests/testdata/h264_aac_720p_2mbps.flv)
#
# A quick run: BENCH_SECONDS=10 BENCH_VIEWERS=200 tests/bench.sh
set -eu

cd "$(dirname "$0")/.."
SECONDS_RUN=${BENCH_SECONDS:-30}
VIEWERS=${BENCH_VIEWERS:-1000}
POINTS=${BENCH_POINTS:-"defaults realtime mw40 mw0 half ts hls hlsonly rtmp publishers slow wide ws https basehalf base20"}
PAIRS=${BENCH_PAIRS:-2}
FIXTURE_1M=tests/testdata/h264_aac.flv
FIXTURE=${BENCH_FIXTURE:-tests/testdata/h264_aac_720p_2mbps.flv}
OUT=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/picosrs-bench.XXXXXX")}
mkdir -p "$OUT"
RTMP_PORT=${BENCH_RTMP_PORT:-19935}
HTTP_PORT=${BENCH_HTTP_PORT:-18935}
HTTPS_PORT=${BENCH_HTTPS_PORT:-18936}
GO=${GO:-go}

# Every viewer and publisher is a socket on both sides of loopback.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "building picosrs and picosrs-load into $OUT"
# BUILDFLAGS: the Makefile passes the release build's (no inlining in cold packages).
CGO_ENABLED=0 $GO build -trimpath $BUILDFLAGS -o "$OUT/picosrs" .
CGO_ENABLED=0 $GO build -trimpath -o "$OUT/picosrs-load" ./cmd/picosrs-load

PIN_SERVER="" PIN_TOOL=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc 2>/dev/null || echo 1)" -ge 2 ]; then
	PIN_SERVER="taskset -c 0" PIN_TOOL="taskset -c 1"
else
	echo "taskset or a second core is missing: server and tool are not pinned"
fi

# conf NAME PLAY_DIRECTIVES VHOST_DIRECTIVES [EXT] writes $OUT/NAME.conf. Only
# the mount being measured is configured (SRS's default mount is .flv alone),
# so an FLV point does not pay for TS muxing.
conf() {
	ext=${4:-flv}
	cat >"$OUT/$1.conf" <<EOF
listen              $RTMP_PORT;
max_connections     20000;
daemon              off;
srs_log_tank        console;
srs_log_level       warn;
http_server {
    enabled         on;
    listen          $HTTP_PORT;
    dir             $OUT;
    ${HTTPS_BLOCK:-}
}
vhost __defaultVhost__ {
    $3
    http_remux {
        enabled     on;
        mount       [vhost]/[app]/[stream].$ext;
    }
    play {
        gop_cache   on;
        $2
    }
}
EOF
}

# point NAME PROTO VIEWERS PUBLISHERS TARGET [EXTRA_TOOL_FLAGS [SERVER]]: one
# run; SERVER defaults to picosrs with $OUT/NAME.conf.
point() {
	name=$1 proto=$2 viewers=$3 pubs=$4 target=$5 extra=${6:-}
	server=${7:-"$OUT/picosrs -c $OUT/$name.conf"}
	echo "== $name: $viewers $proto viewers, $pubs publisher(s), ${SECONDS_RUN}s"
	# shellcheck disable=SC2086
	$PIN_TOOL "$OUT/picosrs-load" -file "$FIXTURE" \
		-rtmp "127.0.0.1:$RTMP_PORT" -http "127.0.0.1:$HTTP_PORT" -https "127.0.0.1:$HTTPS_PORT" \
		-proto "$proto" -viewers "$viewers" -publishers "$pubs" $extra \
		-duration "${SECONDS_RUN}s" -label "$name" -target "$target" \
		-server-cmd "$PIN_SERVER $server" -server-log "$OUT/$name.log" \
		>>"$OUT/results.jsonl" || echo "   run $name failed (see $OUT/$name.log)"
	sleep 1 # let TIME_WAIT sockets and the port settle
}

# tls_conf NAME: a configuration like defaults with HTTPS on, and a
# self-signed test pair (openssl) made once per run.
tls_conf() {
	if [ ! -f "$OUT/server.key" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-keyout "$OUT/server.key" -out "$OUT/server.crt" -subj /CN=localhost \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	fi
	HTTPS_BLOCK="https { enabled on; listen $HTTPS_PORT; key $OUT/server.key; cert $OUT/server.crt; }"
	conf "$1" "mw_latency 350;" ""
	HTTPS_BLOCK=
}

: >"$OUT/results.jsonl"
HALF=$((VIEWERS / 2))
for p in $POINTS; do
	case $p in
	defaults)
		conf defaults "mw_latency 350;" ""
		point defaults flv "$VIEWERS" 1 "≤20 %, p99 ≤350 ms"
		;;
	realtime)
		conf realtime "mw_latency 100;" "min_latency on; tcp_nodelay on;"
		point realtime flv "$VIEWERS" 1 "≤25 %, p99 ≤110 ms"
		;;
	mw0)
		# lal's point, against the floor program run right after it.
		conf mw0 "mw_latency 0;" "tcp_nodelay on;"
		i=0
		while [ $i -lt "$PAIRS" ]; do
			point mw0 flv "$VIEWERS" 1 "≤1.1 × base0 of the same run, p99 ≤20 ms"
			point base0 flv "$VIEWERS" 1 "floor: a write per tag" "-compare-to mw0" \
				"$OUT/picosrs-load -baseline -rtmp 127.0.0.1:$RTMP_PORT -http 127.0.0.1:$HTTP_PORT"
			i=$((i + 1))
		done
		;;
	wide)
		# One hot stream on every core: 2000 viewers with the server on
		# both cores, beside 1000 on one; the load tool shares the cores
		# (its CPU is in the table).
		conf wide "mw_latency 0;" "tcp_nodelay on;"
		FIXTURE_SAVED=$FIXTURE PIN_SAVED=$PIN_SERVER TOOL_SAVED=$PIN_TOOL
		FIXTURE=$FIXTURE_1M
		point wide1 flv "$VIEWERS" 1 "1 Mbit/s, one core" "-compare-to wide2" "$OUT/picosrs -c $OUT/wide.conf"
		if [ -n "$PIN_SERVER" ]; then PIN_SERVER="taskset -c 0,1" PIN_TOOL=""; fi
		point wide2 flv $((VIEWERS * 2)) 1 "both cores: p99 ≤ wide1's" "" "$OUT/picosrs -c $OUT/wide.conf"
		FIXTURE=$FIXTURE_SAVED PIN_SERVER=$PIN_SAVED PIN_TOOL=$TOOL_SAVED
		;;
	mw40)
		conf mw40 "mw_latency 40;" "tcp_nodelay on;"
		point mw40 flv "$VIEWERS" 1 "livego's point: <63 %, p99 <66 ms"
		;;
	half)
		conf half "mw_latency 0;" "tcp_nodelay on;"
		point half flv "$HALF" 1 "≤30 %, p99 ≤15 ms"
		;;
	ts)
		conf ts "mw_latency 350;" "" ts
		point ts ts "$VIEWERS" 1 "≤1.2 × FLV CPU (defaults)"
		;;
	hls)
		conf hls "mw_latency 350;" "hls { enabled on; hls_fragment 2; hls_window 10; }" ts
		point hls ts "$VIEWERS" 1 "HLS players' share: CPU minus the ts point's" "-hls $VIEWERS"
		;;
	hlsonly)
		conf hlsonly "mw_latency 350;" "hls { enabled on; hls_fragment 2; hls_window 10; }" ts
		point hlsonly ts 0 1 "HLS players alone" "-hls $VIEWERS"
		;;
	rtmp)
		conf rtmp "mw_latency 350;" ""
		point rtmp rtmp "$VIEWERS" 1 "≤ FLV CPU (defaults)"
		;;
	publishers)
		conf publishers "mw_latency 350;" ""
		point publishers flv 100 100 "≤25 %"
		;;
	slow)
		conf slow "mw_latency 350;" ""
		point slow flv "$VIEWERS" 1 "as defaults, with 10 viewers at 1/4 rate" "-slow 10"
		;;
	ws)
		conf ws "mw_latency 350;" ""
		point ws ws-flv "$VIEWERS" 1 "≤1.1 × FLV CPU (defaults)"
		;;
	https)
		tls_conf https
		point https https-flv "$VIEWERS" 1 "reported: × FLV CPU (defaults)"
		;;
	wss)
		tls_conf wss
		point wss wss-flv "$VIEWERS" 1 "reported: × FLV CPU (defaults)"
		;;
	base0)
		point base0 flv "$VIEWERS" 1 "floor: a write per tag" "" \
			"$OUT/picosrs-load -baseline -rtmp 127.0.0.1:$RTMP_PORT -http 127.0.0.1:$HTTP_PORT"
		;;
	basehalf)
		point basehalf flv "$HALF" 1 "floor: a write per tag, 500 viewers" "" \
			"$OUT/picosrs-load -baseline -rtmp 127.0.0.1:$RTMP_PORT -http 127.0.0.1:$HTTP_PORT"
		;;
	base20)
		point base20 flv "$VIEWERS" 1 "floor: a write per 20 ms" "" \
			"$OUT/picosrs-load -baseline -baseline-merge 20ms -rtmp 127.0.0.1:$RTMP_PORT -http 127.0.0.1:$HTTP_PORT"
		;;
	*)
		echo "unknown point $p" >&2
		;;
	esac
done

echo
echo "picosrs $(git describe --tags --always --dirty 2>/dev/null || echo dev), $(nproc 2>/dev/null || echo ?) cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')), ${SECONDS_RUN}s per point; all points: RSS ≤48 MB, first frame p99 <300 ms, 0 tags lost"
"$OUT/picosrs-load" -report "$OUT/results.jsonl"
echo "results: $OUT/results.jsonl"
