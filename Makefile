# picosrs: build, run, test. `make run` and `make test` are all a fresh machine needs.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# No inlining in the packages that run once per connection, request or
# reload (config, API, hooks, HTTP routing, HLS playlists, JSON, codec
# configuration): inlining there buys nothing a viewer would notice and costs
# about 80 kB of a binary meant for routers. The per-viewer, per-tag path
# (live, rtmp, mpegts, internal/nbio, internal/tlsconn) keeps it. A pattern
# names one package; the reference hello of `make size` matches none.
COLD     := . conf api access codec httpd hls internal/minijson internal/httpclient internal/jsonw internal/connlimit
GCFLAGS  := $(foreach p,$(COLD),-gcflags=github.com/picosrs/picosrs$(if $(filter .,$(p)),,/$(p))=-l)
BUILD    := CGO_ENABLED=0 $(GO) build -trimpath $(GCFLAGS) -ldflags "$(LDFLAGS)"
FUZZTIME ?= 20s
# Minimizing a new input stops after this (go's default, 60s, would take a
# whole FUZZTIME for targets whose inputs run in a millisecond).
FUZZMINTIME ?= 5s
# -race where the platform supports it (64-bit).
RACE     := $(shell [ "$$(getconf LONG_BIT 2>/dev/null)" = 64 ] && echo -race)
PKGS     := ./...
# 32-bit tests: ARM (GOARM=7) under qemu-user for every package; 386 natively
# where the kernel allows (every package), else under qemu-user, which
# mishandles Go's syscalls on i386 (random "exitsyscall" crashes), so there
# only the packages that make no syscalls run.
EXECARM  := $(shell [ "$$(uname -m)" = armv7l ] || echo -exec qemu-arm-static)
UNIT386_QEMU := ./flv/... ./conf/... ./adts/... ./mp3/... ./codec/...
# The unit tests of every package (all but the end-to-end tests and the load
# tool), for the runs under emulation.
UNITPKGS := ./flv/... ./rtmp/... ./conf/... ./adts/... ./mp3/... ./mpegts/... ./codec/... ./hls/... ./access/... ./live/... ./httpd/... ./api/... ./internal/...
# probe386 (a recipe fragment) sets exec386 to nothing when this machine runs
# 386 binaries natively, else to "-exec qemu-i386-static". The probe is built
# in a private temporary directory, removed when the recipe line ends, and
# only by the targets that need it (not when the Makefile is read).
probe386 = tmp386=$$(mktemp -d) && trap 'rm -rf "$$tmp386"' EXIT && \
	printf 'package main\nfunc main(){}\n' > "$$tmp386/p.go" && \
	if GOARCH=386 CGO_ENABLED=0 $(GO) build -o "$$tmp386/p" "$$tmp386/p.go" 2>/dev/null && "$$tmp386/p" 2>/dev/null; \
	then exec386=; else exec386="-exec qemu-i386-static"; fi

.PHONY: build run test deps lint unit e2e race test32 fuzz bench soak cross size clean test-cross qemu-deps mem \
	test-unit test-e2e test-arm test-386 test-mem test-bench

build:
	$(BUILD) -o picosrs .

run: build
	./picosrs

# test: vet and gofmt, then every stage below, each run even when one before
# it failed, so one run shows every failure: every unit and end-to-end test
# (race detector on 64-bit), the unit tests on 32-bit ARM and 386, the memory
# budget (make mem), a short benchmark run whose fan-out must not allocate,
# and the cross-built unit and smoke tests. ffmpeg, qemu-user and Debian's
# chromium (the player page's browser test) are installed when missing; in
# CI (CI=true) a test whose tool is still missing fails.
TEST_STAGES := test-unit test-e2e test-arm test-386 test-mem test-bench test-cross
test: deps lint
	@failed=; for s in $(TEST_STAGES); do \
		echo "== $$s"; $(MAKE) --no-print-directory $$s || failed="$$failed $$s"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test FAILED:$$failed"; exit 1; fi; echo "make test ok"

test-unit:
	$(GO) test $(RACE) -count=1 -timeout 15m $$($(GO) list ./... | grep -v /tests$$)

test-e2e:
	$(GO) test $(RACE) -count=1 -timeout 15m -parallel 8 ./tests/

test-arm:
	GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) test -count=1 -timeout 10m $(EXECARM) $(UNITPKGS)

# test-386: natively, every package but the end-to-end tests (test32 runs
# those too); under qemu-user the syscall-free ones, through qemu-retry.sh.
test-386:
	@$(probe386); \
	if [ -z "$$exec386" ]; then pkgs=$$($(GO) list ./... | grep -v /tests$$); \
	else pkgs="$(UNIT386_QEMU)"; retry=tests/qemu-retry.sh; fi; \
	echo "386 tests$${exec386:+ under qemu-i386}: $$pkgs"; \
	GODEBUG=asyncpreemptoff=1 GOARCH=386 CGO_ENABLED=0 $$retry $(GO) test -count=1 -timeout 10m $$exec386 $$pkgs

# test-mem: the memory budget (make mem) on the stripped, non-race binary,
# streaming for 40 s instead of 60: RSS levels off after 30 s (the ring keeps
# play.queue_length, 30 s), so 40 s sees the plateau.
test-mem: export PICOSRS_MEM_SECONDS ?= 40
test-mem: mem

# test-bench: every Go benchmark, briefly (BENCHTIME, with -benchmem); fails
# when the run fails or when a FanOut benchmark allocates (tests/benchcheck.sh).
BENCHTIME ?= 100x
test-bench:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $$($(GO) list ./... | grep -v /tests$$) >"$$tmp/bench.txt" 2>&1; rc=$$?; \
	cat "$$tmp/bench.txt"; \
	if [ $$rc -ne 0 ]; then echo "benchmarks failed (exit $$rc)"; exit 1; fi; \
	sh tests/benchcheck.sh "$$tmp/bench.txt"

deps:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { \
		echo "installing ffmpeg (apt)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq ffmpeg rtmpdump >/dev/null; }
	@command -v rtmpdump >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq rtmpdump >/dev/null || true; }
	@command -v qemu-i386-static >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq qemu-user-static >/dev/null; }
	@command -v chromium >/dev/null || { \
		echo "installing chromium (apt) for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null || true; }
	@command -v npm >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null || true; }
	@command -v ffmpeg >/dev/null || { echo "ffmpeg is required for the end-to-end tests"; exit 1; }

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -count=1 $(UNITPKGS)

e2e: deps build
	$(GO) test -count=1 -v ./tests/...

race:
	$(GO) test -race -count=1 $(PKGS)

# test32: every test on 386 natively. Where the kernel cannot run 386 binaries,
# only the syscall-free packages run, under qemu-user (qemu-i386 crashes Go
# programs that use goroutines and syscalls: "morestack on g0", "exitsyscall");
# 32-bit coverage of the rest comes from ARM in `make test` and `make
# test-cross`. Then vet for 32-bit ARM and MIPS.
test32:
	@$(probe386); \
	if [ -z "$$exec386" ]; then pkgs=./...; else pkgs="$(UNIT386_QEMU)"; retry=tests/qemu-retry.sh; fi; \
	GODEBUG=asyncpreemptoff=1 GOARCH=386 CGO_ENABLED=0 $$retry $(GO) test -count=1 $$exec386 $$pkgs
	GOARCH=arm GOARM=5 CGO_ENABLED=0 $(GO) vet ./...
	GOARCH=mipsle GOMIPS=softfloat CGO_ENABLED=0 $(GO) vet ./...

# fuzz: every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
			echo "fuzz $$pkg $$t $(FUZZTIME)"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME); \
		done; \
	done

# bench: Go benchmarks (allocations per viewer per tag), then the load tool
# against the real server at every point of the performance table
# (BENCH_SECONDS, BENCH_VIEWERS, BENCH_POINTS for a quick run).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2000x ./flv/... ./rtmp/... ./mpegts/... ./codec/... ./live/...
	BUILDFLAGS="$(GCFLAGS)" ./tests/bench.sh

# soak: minutes of publish/viewer churn and stalled-viewer timeouts, and the
# hostile mix (every attack of tests/hostile_test.go in a loop beside the
# churn, TestSoakHostile); checks that open files, goroutines and memory
# return to their baseline.
SOAK_SECONDS ?= 120
soak: deps
	PICOSRS_SOAK=1 PICOSRS_SOAK_SECONDS=$(SOAK_SECONDS) $(GO) test -count=1 -v -timeout $$(($(SOAK_SECONDS)+900))s -parallel 8 -run 'TestSoak|TestAbuse' ./tests/

# Cross builds into dist/: static, stripped, one binary per target; a target is
# os/arch or os/arch/GOARM. MIPS builds use soft float (most router SoCs have no FPU).
CROSS := linux/amd64 linux/386 linux/arm/5 linux/arm/6 linux/arm/7 linux/arm64 linux/mips linux/mipsle linux/mips64 linux/mips64le linux/riscv64
# xtarget: from $$t set $$name (dist file name), $$arch and $$xenv (the GOOS/GOARCH/... settings).
xtarget = os=$${t%%/*}; rest=$${t\#*/}; arch=$${rest%%/*}; v=; \
	case $$rest in */*) v=$${rest\#*/};; esac; \
	name=picosrs-$$os-$$arch; xenv="GOOS=$$os GOARCH=$$arch"; \
	case $$arch in \
	arm) name=$${name}v$$v; xenv="$$xenv GOARM=$$v";; \
	mips|mipsle) xenv="$$xenv GOMIPS=softfloat";; \
	mips64|mips64le) xenv="$$xenv GOMIPS64=softfloat";; \
	esac
# xbuild: build target $$t into dist/$$name.
xbuild = $(xtarget); echo "build dist/$$name"; env $$xenv $(BUILD) -o dist/$$name .

cross:
	@mkdir -p dist
	@set -e; for t in $(CROSS); do $(xbuild); done
	cd dist && sha256sum picosrs-* > SHA256SUMS

# test-cross: the unit tests under qemu-user on the architectures `make test`
# does not cover (ARMv5 soft float, arm64, both MIPS byte orders), then the
# end-to-end smoke test (tests/smoke, native) against the cross-built binary run
# under qemu-user for ARMv5, ARMv7, arm64, mipsle, mips and 386. qemu-user-static
# is installed with apt when missing.
XUNIT      ?= $(UNITPKGS)
XUNIT_ON   ?= linux/arm/5:qemu-arm-static linux/arm64:qemu-aarch64-static linux/mipsle:qemu-mipsel-static linux/mips:qemu-mips-static
XSMOKE_ON  ?= linux/arm/5:qemu-arm-static linux/arm/7:qemu-arm-static linux/arm64:qemu-aarch64-static linux/mipsle:qemu-mipsel-static linux/mips:qemu-mips-static
qemu-deps:
	@command -v qemu-arm-static >/dev/null && command -v qemu-aarch64-static >/dev/null && \
	command -v qemu-mips-static >/dev/null && command -v qemu-mipsel-static >/dev/null || { \
		echo "installing qemu-user-static (apt)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq qemu-user-static >/dev/null; }

test-cross: qemu-deps
	@mkdir -p dist
	$(GO) build -o dist/smoke ./tests/smoke
	@failed=; for p in $(XUNIT_ON); do t=$${p%%:*}; q=$${p#*:}; $(xtarget); \
		echo "unit $$name under $$q"; \
		env $$xenv CGO_ENABLED=0 $(GO) test -count=1 -timeout 10m -exec $$q $(XUNIT) || failed="$$failed unit:$$name"; \
	done; \
	$(probe386); \
	for p in $(XSMOKE_ON) linux/386:$${exec386#-exec }; do t=$${p%%:*}; q=$${p#*:}; $(xbuild) || { failed="$$failed build:$$name"; continue; }; \
		ge=; [ $$arch = 386 ] && ge=GODEBUG=asyncpreemptoff=1; \
		rt=; [ $$arch = 386 ] && [ -n "$$q" ] && rt=tests/qemu-retry.sh; \
		env $$ge $$rt dist/smoke $${q:+-exec $$q} dist/$$name || failed="$$failed smoke:$$name"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-cross FAILED:$$failed"; exit 1; fi; echo "test-cross ok"

# size: picosrs against a minimal net/http server (packaging/sizeref) built the
# same way, per target; fails when picosrs is over SIZE_RATIO times the reference.
SIZE_RATIO ?= 1.35
size: cross
	@mkdir -p dist/sizeref
	@printf '%-26s %12s %12s %7s\n' target picosrs hello ratio
	@set -e; fail=0; for t in $(CROSS); do $(xtarget); \
		env $$xenv $(BUILD) -o dist/sizeref/$$name ./packaging/sizeref; \
		p=$$(stat -c %s dist/$$name); h=$$(stat -c %s dist/sizeref/$$name); \
		r=$$(awk "BEGIN{printf \"%.3f\", $$p/$$h}"); \
		printf '%-26s %12d %12d %7s\n' $$name $$p $$h $$r; \
		awk "BEGIN{exit !($$r > $(SIZE_RATIO))}" && fail=1; \
	done; \
	if [ $$fail = 1 ]; then echo "over the size budget (ratio > $(SIZE_RATIO))"; exit 1; fi

# mem: resident memory of the stripped binary, idle and with one 1 Mbit/s
# stream and 50 HTTP-FLV viewers (tests/mem_test.go; budgets 10 and 24 MB),
# then one 2 Mbit/s stream with SRS's default hls block (TestMemoryHLS: the
# window's bytes, peak RSS within 48 MB, back near idle after hls_dispose).
mem: deps build
	PICOSRS_MEM=1 PICOSRS_BIN=$(CURDIR)/picosrs $(GO) test -count=1 -run '^TestMemory(HLS)?$$' -v ./tests

clean:
	rm -rf picosrs dist
