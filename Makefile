# Tidegate build, test and Raspberry Pi targets. `make help` lists them.

GO        ?= go
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.1.0-dev)
COMMIT    := $(shell git rev-parse --short --verify -q HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
GOBUILD   := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
TESTFLAGS ?=
ARGS      ?=

TIDEGATE     := ./gateway/cmd/tidegate
FIRMWARE_SIM := ./firmware-sim/cmd/firmware-sim

.PHONY: help build run test bench pi pi-check lint deps clean

help:
	@echo "make build     bin/tidegate and bin/firmware-sim for this machine"
	@echo "make run       build, then bin/tidegate run \$$(ARGS) (data in ./data)"
	@echo "make test      go test ./... \$$(TESTFLAGS), then make pi-check"
	@echo "make bench     build, then bin/tidegate bench shards \$$(ARGS)"
	@echo "make pi        static Raspberry Pi binaries in dist/ (arm64, armv6, armv7)"
	@echo "make pi-check  run the dist/ binaries under qemu-user when it is installed"
	@echo "make lint      gofmt and go vet"
	@echo "make deps      install the test peers (qemu, mosquitto and its clients, python3-paho-mqtt, ffmpeg, awscli, chromium, kinesalite, s3rver)"
	@echo "make clean     remove bin/ and dist/"

build:
	$(GOBUILD) -o bin/tidegate $(TIDEGATE)
	$(GOBUILD) -o bin/firmware-sim $(FIRMWARE_SIM)

run: build
	bin/tidegate run $(ARGS)

# The concurrent packages run under the race detector (it needs cgo and a C compiler; where
# there is none they run without it, except under CI=true); the rest run plain.
RACE_PKGS := ./shards/... ./devices/... ./uplink/... ./gateway/... ./video/...

test:
	@if [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1; then \
		echo "$(GO) test -race $(RACE_PKGS)"; \
		$(GO) test -race -count=1 -timeout 25m $(TESTFLAGS) $(RACE_PKGS) || exit 1; \
	elif [ "$$CI" = true ]; then \
		echo "make test: the race detector needs cgo and a C compiler ($$($(GO) env CC)); under CI it is required" >&2; exit 1; \
	else \
		echo "make test: no C compiler for the race detector; running $(RACE_PKGS) without it" >&2; \
		$(GO) test -count=1 -timeout 20m $(TESTFLAGS) $(RACE_PKGS) || exit 1; \
	fi
	$(GO) test -count=1 -timeout 20m $(TESTFLAGS) $$($(GO) list ./... | grep -v -E 'tidegate/tidegate/(shards|devices|uplink|gateway|video)(/|$$)')
	$(MAKE) pi-check

bench: build
	bin/tidegate bench shards $(ARGS)

# GOARM is always set for arm: cross-compiling defaults to GOARM=7, whose binaries die
# with "illegal instruction" on the ARMv6 core of a Pi Zero/Zero W/1.
pi:
	GOOS=linux GOARCH=arm64 $(GOBUILD) -o dist/tidegate-linux-arm64 $(TIDEGATE)
	GOOS=linux GOARCH=arm GOARM=6 $(GOBUILD) -o dist/tidegate-linux-armv6 $(TIDEGATE)
	GOOS=linux GOARCH=arm GOARM=7 $(GOBUILD) -o dist/tidegate-linux-armv7 $(TIDEGATE)
	GOOS=linux GOARCH=arm64 $(GOBUILD) -o dist/firmware-sim-linux-arm64 $(FIRMWARE_SIM)
	GOOS=linux GOARCH=arm GOARM=6 $(GOBUILD) -o dist/firmware-sim-linux-armv6 $(FIRMWARE_SIM)
	GOOS=linux GOARCH=arm GOARM=7 $(GOBUILD) -o dist/firmware-sim-linux-armv7 $(FIRMWARE_SIM)

pi-check: pi
	scripts/pi-check.sh

# Go files outside hidden folders (.git, .peers) and node_modules.
GOFILES = $$(find . \( -path './.*' -o -name node_modules \) -prune -o -type f -name '*.go' -print)

lint:
	@unformatted=$$(gofmt -l $(GOFILES)); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l lists files that need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

deps:
	scripts/deps.sh

clean:
	rm -rf bin dist
