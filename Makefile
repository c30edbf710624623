# Kiosk agent: build, test, benchmark and demo. See README.md.
SHELL := /bin/bash
GOARCH ?= $(shell go env GOARCH)
# One CGO_CFLAGS everywhere (a change rebuilds the cgo cache). go4vl v0.5.0 needs these
# V4L2 constants, which Debian 12's kernel headers lack.
export CGO_CFLAGS := -O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200
export CGO_ENABLED := 1
export ONNXRUNTIME_LIB ?= $(CURDIR)/.cache/ort/$(GOARCH)/libonnxruntime.so.1
# The MRZ reader's OCR models (scripts/fetch-ocr.sh, run by setup).
export KIOSK_OCR_MODELS ?= $(CURDIR)/.cache/ocr
BIN := $(CURDIR)/bin
GOTEST_FLAGS ?= -timeout 40m

# Target architecture of `build` and `deb`: the host's (binaries in bin/) or, on an amd64
# host, ARCH=arm64 (cross-built with cgo into bin/arm64/; see docs/packaging.md).
HOSTARCH := $(shell go env GOHOSTARCH)
ARCH ?= $(HOSTARCH)
# The version from git (scripts/version.sh), linked into the binaries and the packages.
ifndef VERSION
VERSION := $(shell scripts/version.sh)
endif
GO_LDFLAGS := -X main.version=$(VERSION)
ifeq ($(ARCH),$(HOSTARCH))
ARCH_BIN := $(BIN)
ARCH_ENV :=
ARCH_SETUP := setup
else ifeq ($(HOSTARCH)-$(ARCH),amd64-arm64)
ARCH_BIN := $(BIN)/arm64
# pkg-config must see only the arm64 .pc files (Fyne's cgo asks it for GL/X11/Wayland).
ARCH_ENV := GOARCH=arm64 CC=aarch64-linux-gnu-gcc PKG_CONFIG_PATH= \
	PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
ARCH_SETUP := setup-arm64
else
ARCH_BIN := $(error ARCH=$(ARCH) on a $(HOSTARCH) host: use ARCH=$(HOSTARCH), or ARCH=arm64 on amd64)
endif

.PHONY: test-clicks setup setup-arm64 build test test-go test-v4l2 test-arm64 deb test-deb test-deb-arm64 bench demo vet clean screenshots

setup:
	@scripts/setup.sh

setup-arm64: setup
	@scripts/setup-arm64.sh

build: $(ARCH_SETUP)
	$(ARCH_ENV) go build -ldflags '$(GO_LDFLAGS)' -o $(ARCH_BIN)/ ./cmd/...

# Debian packages (kiosk, kioskctl, compare-sandbox) into bin/deb/ (nfpm from packaging/tools).
deb: build
	@scripts/deb.sh $(ARCH) '$(VERSION)' $(ARCH_BIN)

# Install the amd64 package into a debootstrap'd Debian 12 root: session units verified,
# kioskctl doctor, upgrade keeps a queued job, purge (root; skipped otherwise). Part of
# make test: ~3 minutes with the cached root, ~9 on a fresh machine (debootstrap).
test-deb: deb
	@scripts/test-deb.sh '$(VERSION)' $(ARCH_BIN)

# The arm64 package in a Debian 12 arm64 root (debootstrap --foreign, run under qemu-user
# through binfmt_misc): install, versions, analyze, the units (verify, security).
# On an arm64 host test-deb does this natively; root only, like test-deb.
test-deb-arm64:
	@if [ "$(HOSTARCH)" = amd64 ]; then $(MAKE) --no-print-directory deb ARCH=arm64 VERSION='$(VERSION)' && \
		scripts/test-deb.sh '$(VERSION)' $(BIN)/arm64 arm64; else echo "test-deb-arm64: skipped: the host is $(HOSTARCH)"; fi

vet:
	go vet ./...
	@files=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	  if [ -n "$$files" ]; then echo "vet: not gofmt-formatted (run gofmt -w):"; echo "$$files"; exit 1; fi

# Every suite in turn, each one's time printed, then a table and the total
# (scripts/test-all.sh; docs/testing.md has the times of a fresh and a warm machine).
TEST_SUITES := setup vet test-go test-v4l2 test-arm64 test-clicks test-deb test-deb-arm64
test:
	@MAKE='$(MAKE)' VERSION='$(VERSION)' scripts/test-all.sh $(TEST_SUITES)

test-go:
	go test $(GOTEST_FLAGS) ./...

test-v4l2: setup
	@if [ -x capture/v4l2/vivid/run.sh ]; then capture/v4l2/vivid/run.sh; else echo "test-v4l2: not yet available"; fi

# An enrollment by mouse clicks (xdotool) in the real kiosk's window under Xvfb, at
# 1024x600 and 1920x1080, in English and French (docs/testing.md).
test-clicks: build
	@scripts/test-clicks.sh

# The arm64 build under qemu-user against the amd64 one (skipped on an arm64 host).
test-arm64: setup
	@scripts/test-arm64.sh

bench: setup
	@scripts/bench.sh

# A PNG of every UI screen, English and French, at 1024x600 and 1920x1080 (Xvfb).
screenshots: setup
	@scripts/screenshots.sh

demo: build
	@scripts/demo.sh

clean:
	rm -rf $(BIN)
