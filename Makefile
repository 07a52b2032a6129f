# picosrs: build, run, test. `make run` and `make test` are all a fresh machine needs.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BUILD    := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
FUZZTIME ?= 20s
# -race where the platform supports it (64-bit).
RACE     := $(shell [ "$$(getconf LONG_BIT 2>/dev/null)" = 64 ] && echo -race)
PKGS     := ./...
# 32-bit tests: ARM (GOARM=7) under qemu-user for every package; 386 natively
# where the kernel allows, else under qemu-user, which mishandles Go's
# syscalls on i386 (random "exitsyscall" crashes), so there only the packages
# that make no syscalls run.
EXECARM  := $(shell [ "$$(uname -m)" = armv7l ] || echo -exec qemu-arm-static)
EXEC386  := $(shell printf 'package main\nfunc main(){}\n' > /tmp/picosrs-386.go && GOARCH=386 CGO_ENABLED=0 $(GO) build -o /tmp/picosrs-386 /tmp/picosrs-386.go 2>/dev/null && /tmp/picosrs-386 2>/dev/null || echo -exec qemu-i386-static)

.PHONY: build run test deps lint unit e2e race test32 fuzz bench cross size clean

build:
	$(BUILD) -o picosrs .

run: build
	./picosrs

# test: vet and gofmt, then every unit and end-to-end test (race detector on
# 64-bit), then the unit tests on 32-bit ARM and 386. ffmpeg and qemu-user are
# installed when missing.
test: deps lint
	$(GO) test $(RACE) -count=1 -timeout 15m $(PKGS)
	GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) test -count=1 -timeout 10m $(EXECARM) ./flv/... ./rtmp/... ./conf/... ./adts/... ./mp3/... ./mpegts/... ./live/...
	GODEBUG=asyncpreemptoff=1 GOARCH=386 CGO_ENABLED=0 $(GO) test -count=1 -timeout 10m $(EXEC386) ./flv/... ./conf/... ./adts/... ./mp3/...

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
	@command -v ffmpeg >/dev/null || { echo "ffmpeg is required for the end-to-end tests"; exit 1; }

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -count=1 ./flv/... ./rtmp/... ./conf/... ./adts/... ./mp3/... ./mpegts/... ./live/...

e2e: deps build
	$(GO) test -count=1 -v ./tests/...

race:
	$(GO) test -race -count=1 $(PKGS)

test32:
	GOARCH=386 CGO_ENABLED=0 $(GO) test -count=1 ./...

# fuzz: every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
			echo "fuzz $$pkg $$t $(FUZZTIME)"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME); \
		done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./flv/... ./rtmp/... ./mpegts/... ./live/...

CROSS := linux/amd64 linux/386 linux/arm/5 linux/arm/6 linux/arm/7 linux/arm64 linux/mips linux/mipsle linux/mips64 linux/mips64le linux/riscv64
cross:
	@mkdir -p dist
	@set -e; for t in $(CROSS); do \
		os=$${t%%/*}; rest=$${t#*/}; arch=$${rest%%/*}; arm=; \
		case $$rest in arm/*) arm=$${rest#arm/};; esac; \
		name=picosrs-$$os-$$arch$${arm:+v$$arm}; \
		echo "build $$name"; \
		GOOS=$$os GOARCH=$$arch GOARM=$$arm GOMIPS=softfloat GOMIPS64=softfloat $(BUILD) -o dist/$$name . ; \
	done
	cd dist && sha256sum picosrs-* > SHA256SUMS

clean:
	rm -rf picosrs dist
