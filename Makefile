# deskdial — see README.md.
SHELL   := /bin/bash
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
export LANG ?= en_US.UTF-8
export GOFLAGS ?= -buildvcs=false

# Tests that need a display and a session bus get Xvfb and a private D-Bus
# session unless the caller already provides them.
WITH_X    := $(if $(DISPLAY),,xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp")
WITH_DBUS := $(if $(DBUS_SESSION_BUS_ADDRESS),,dbus-run-session --)

.PHONY: all deps test-deps build run test race fuzz bench vet clean

all: build

deps:
	@packaging/deps.sh

test-deps:
	@packaging/deps.sh --test

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/deskdial ./app

# make run: install what is missing, build, start the tray app with its
# embedded NATS server. ARGS are passed to deskdial.
run: build
	$(BIN)/deskdial $(ARGS)

vet:
	$(GO) vet ./...

test: test-deps vet
	$(WITH_X) $(WITH_DBUS) $(GO) test -count=1 -timeout 20m ./...

race:
	$(WITH_X) $(WITH_DBUS) $(GO) test -race -count=1 ./internal/...

# make fuzz FUZZTIME=30s runs every fuzz target for FUZZTIME each.
FUZZTIME ?= 20s
fuzz:
	@set -e; for pkg in $$($(GO) list ./internal/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

clean:
	rm -rf $(BIN)
