# Kiosk agent: build, test, benchmark and demo. See README.md.
SHELL := /bin/bash
GOARCH ?= $(shell go env GOARCH)
# One CGO_CFLAGS everywhere (a change rebuilds the cgo cache). go4vl v0.5.0 needs these
# V4L2 constants, which Debian 12's kernel headers lack.
export CGO_CFLAGS := -O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200
export CGO_ENABLED := 1
export ONNXRUNTIME_LIB ?= $(CURDIR)/.cache/ort/$(GOARCH)/libonnxruntime.so.1
BIN := $(CURDIR)/bin
GOTEST_FLAGS ?= -timeout 40m

.PHONY: setup build test test-go test-v4l2 bench demo vet clean screenshots

setup:
	@scripts/setup.sh

build: setup
	go build -o $(BIN)/ ./cmd/...

vet:
	go vet ./...

test: setup vet test-go test-v4l2

test-go:
	go test $(GOTEST_FLAGS) ./...

test-v4l2: setup
	@if [ -x capture/v4l2/vivid/run.sh ]; then capture/v4l2/vivid/run.sh; else echo "test-v4l2: not yet available"; fi

bench: setup
	@scripts/bench.sh

# A PNG of every UI screen, English and French, at 1024x600 and 1920x1080 (Xvfb).
screenshots: setup
	@scripts/screenshots.sh

demo: build
	@scripts/demo.sh

clean:
	rm -rf $(BIN)
