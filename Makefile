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

.PHONY: all deps test-deps build run test race fuzz bench vet clean screenshots web

all: build

deps:
	@packaging/deps.sh

test-deps:
	@packaging/deps.sh --test

# Two programs: bin/deskdial, every command, built without cgo so that it
# links no GUI code and starts fast; bin/deskdial-tray, the tray app (Fyne,
# OpenGL, X11: cgo), which deskdial starts when run without a command.
build: deps
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/deskdial ./app
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/deskdial-tray ./cmd/deskdial-tray

# make run: install what is missing, build, start the tray app with its
# embedded NATS server (deskdial starts bin/deskdial-tray, next to it). ARGS
# are passed to deskdial.
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

# make screenshots: run the end-to-end and menu tests that take the README's
# pictures, writing them to docs/screenshots (plain test runs use a temp dir).
screenshots:
	DESKDIAL_SCREENSHOTS=1 $(WITH_X) $(WITH_DBUS) $(GO) test -count=1 \
	  -run 'TestTrayEndToEnd|TestNotificationScreenshot|TestMenuPicture|TestWebAgentEndToEnd' ./app ./internal/ui

# make web: after changing the phone page's JavaScript (internal/webagent/web),
# regenerate its number table from the Go metadata and rebuild the committed
# bundle; TestBundleFresh fails until this is done.
web:
	cd internal/webagent/web && npm ci --no-audit --no-fund --ignore-scripts
	$(GO) generate ./internal/webagent

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

clean:
	rm -rf $(BIN)

# ---- releases, packages and desktop integration -------------------------
# make release VERSION=v1.2.3 builds into $(DIST); install-desktop puts the
# app, its .desktop entry (tel:/callto: handler), icon, man page and shell
# completions into the per-user XDG directories.
DIST            ?= dist
PREFIX          ?= $(HOME)/.local
BINDIR          ?= $(PREFIX)/bin
XDG_DATA_HOME   ?= $(HOME)/.local/share
XDG_CONFIG_HOME ?= $(HOME)/.config
# -trimpath keeps build machine paths out of released binaries.
TRIMPATH        ?= -trimpath
CC_LINUX_ARM64  ?= aarch64-linux-gnu-gcc
FYNE            ?= $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
APP_ID          := $(shell sed -n 's/^ID *= *"\(.*\)"/\1/p' FyneApp.toml)
APP_VERSION     := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
# The core the phone agent is made of: pure Go, so it must build for Android.
ANDROID_PKGS    ?= ./internal/number/... ./internal/protocol/... ./internal/device/... \
                   ./internal/pairing/... ./internal/agent/... ./internal/bus/... ./internal/dialer/...

.PHONY: release release-linux-amd64 release-linux-arm64 release-agent-linux-arm64 release-windows-amd64 check-android \
	install-desktop install-desktop-entry uninstall-desktop install-phone-service package

release: release-linux-amd64 release-linux-arm64 release-windows-amd64
	cd $(DIST) && sha256sum deskdial-* > SHA256SUMS-$(VERSION)

# Each release has the two programs; saved as deskdial and deskdial-tray in
# one directory, deskdial finds the tray next to itself.
release-linux-amd64:
	@mkdir -p $(DIST)
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build $(TRIMPATH) -ldflags "$(LDFLAGS)" \
	  -o $(DIST)/deskdial-$(VERSION)-linux-amd64 ./app
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build $(TRIMPATH) -ldflags "$(LDFLAGS)" \
	  -o $(DIST)/deskdial-tray-$(VERSION)-linux-amd64 ./cmd/deskdial-tray

# The tray app needs cgo (OpenGL, X11) on arm64 too, so it is built only where
# an aarch64 cross compiler and arm64 X11/GL libraries are installed; else
# the phone agent is built alone: deskdial itself, which needs no cgo.
# CC_LINUX_ARM64=none forces the agent-only build.
release-linux-arm64:
	@if command -v $(CC_LINUX_ARM64) >/dev/null 2>&1; then \
	  mkdir -p $(DIST); \
	  echo "CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build ... ./app"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(TRIMPATH) -ldflags "$(LDFLAGS)" \
	    -o $(DIST)/deskdial-$(VERSION)-linux-arm64 ./app || exit 1; \
	  echo "CC=$(CC_LINUX_ARM64) CGO_ENABLED=1 GOOS=linux GOARCH=arm64 $(GO) build ... ./cmd/deskdial-tray"; \
	  CC=$(CC_LINUX_ARM64) CGO_ENABLED=1 GOOS=linux GOARCH=arm64 $(GO) build $(TRIMPATH) -ldflags "$(LDFLAGS)" \
	    -o $(DIST)/deskdial-tray-$(VERSION)-linux-arm64 ./cmd/deskdial-tray; \
	else \
	  echo "no $(CC_LINUX_ARM64): building the arm64 phone agent only"; \
	  $(MAKE) --no-print-directory release-agent-linux-arm64; \
	fi

release-agent-linux-arm64:
	@mkdir -p $(DIST)
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(TRIMPATH) -ldflags "$(LDFLAGS)" \
	  -o $(DIST)/deskdial-phone-$(VERSION)-linux-arm64 ./app

# Windows: Fyne's OpenGL driver needs cgo, so the tray app is cross-compiled
# with MinGW-w64 (Debian: gcc-mingw-w64-x86-64); deskdial.exe, the commands,
# is a console program without cgo. go-winres turns app.png into the icon
# and writes the version resource and a manifest into a .syso that go build
# links in; it is pure Go, reads PNG directly (windres would need an .ico
# and a hand-written .rc) and comes from the Go proxy pinned like
# fyne.io/tools. The tray is linked with -H windowsgui: no console window
# behind it (cmd/deskdial-tray/console_windows.go attaches to a terminal
# that started it).
CC_WINDOWS_AMD64 ?= x86_64-w64-mingw32-gcc
GOWINRES         ?= $(GO) run github.com/tc-hib/go-winres@v0.3.3
WIN_VERSION      := $(shell echo '$(VERSION)' | grep -Eo '^v?[0-9]+(\.[0-9]+){0,3}' | sed 's/^v//' || true)
release-windows-amd64:
	@command -v $(CC_WINDOWS_AMD64) >/dev/null 2>&1 || { \
	  echo "release-windows-amd64: $(CC_WINDOWS_AMD64) not found; install gcc-mingw-w64-x86-64 (packaging/deps.sh --test)" >&2; exit 1; }
	@mkdir -p $(DIST)
	$(GOWINRES) simply --arch amd64 --out app/rsrc --manifest cli --icon assets/icons/app.png \
	  --product-name deskdial --file-description "deskdial: calls the numbers you copy on your phone" \
	  --original-filename deskdial.exe --product-version "$(or $(WIN_VERSION),$(APP_VERSION))" \
	  --file-version "$(or $(WIN_VERSION),$(APP_VERSION))"
	$(GOWINRES) simply --arch amd64 --out cmd/deskdial-tray/rsrc --manifest gui --icon assets/icons/app.png \
	  --product-name deskdial --file-description "deskdial tray: calls the numbers you copy on your phone" \
	  --original-filename deskdial-tray.exe --product-version "$(or $(WIN_VERSION),$(APP_VERSION))" \
	  --file-version "$(or $(WIN_VERSION),$(APP_VERSION))"
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build $(TRIMPATH) \
	  -ldflags "$(LDFLAGS)" -o $(DIST)/deskdial-$(VERSION)-windows-amd64.exe ./app && \
	CC=$(CC_WINDOWS_AMD64) CGO_ENABLED=1 GOOS=windows GOARCH=amd64 $(GO) build $(TRIMPATH) \
	  -ldflags "$(LDFLAGS) -H windowsgui" -o $(DIST)/deskdial-tray-$(VERSION)-windows-amd64.exe ./cmd/deskdial-tray; \
	  rc=$$?; rm -f app/rsrc_windows_amd64.syso cmd/deskdial-tray/rsrc_windows_amd64.syso; exit $$rc

check-android:
	@for p in $(ANDROID_PKGS); do d=$${p%/...}; [ -d "$$d" ] || { echo "check-android: $$d is gone; update ANDROID_PKGS" >&2; exit 1; }; done
	CGO_ENABLED=0 GOOS=android GOARCH=arm64 $(GO) build $(ANDROID_PKGS)

# The .desktop entry, icon and URL scheme registration only; the entry starts
# $(BINDIR)/deskdial, which starts $(BINDIR)/deskdial-tray.
install-desktop-entry:
	install -d "$(XDG_DATA_HOME)/applications" "$(XDG_DATA_HOME)/icons/hicolor/256x256/apps"
	sed 's|^Exec=deskdial|Exec=$(BINDIR)/deskdial|' packaging/linux/deskdial.desktop \
	  > "$(XDG_DATA_HOME)/applications/deskdial.desktop"
	install -m 644 assets/icons/app.png "$(XDG_DATA_HOME)/icons/hicolor/256x256/apps/deskdial.png"
	-update-desktop-database -q "$(XDG_DATA_HOME)/applications" 2>/dev/null
	XDG_DATA_HOME="$(XDG_DATA_HOME)" XDG_CONFIG_HOME="$(XDG_CONFIG_HOME)" \
	  xdg-mime default deskdial.desktop x-scheme-handler/tel x-scheme-handler/callto

install-desktop: build
	install -D -m 755 $(BIN)/deskdial "$(BINDIR)/deskdial"
	install -D -m 755 $(BIN)/deskdial-tray "$(BINDIR)/deskdial-tray"
	install -d "$(XDG_DATA_HOME)/man/man1" "$(XDG_DATA_HOME)/bash-completion/completions" \
	  "$(XDG_CONFIG_HOME)/fish/completions"
	$(BIN)/deskdial man > "$(XDG_DATA_HOME)/man/man1/deskdial.1"
	$(BIN)/deskdial completion bash > "$(XDG_DATA_HOME)/bash-completion/completions/deskdial"
	$(BIN)/deskdial completion fish > "$(XDG_CONFIG_HOME)/fish/completions/deskdial.fish"
	$(MAKE) --no-print-directory install-desktop-entry
	@echo "deskdial: installed to $(BINDIR); tel: and callto: links now open deskdial"

uninstall-desktop:
	rm -f "$(BINDIR)/deskdial" "$(BINDIR)/deskdial-tray" "$(XDG_DATA_HOME)/applications/deskdial.desktop" \
	  "$(XDG_DATA_HOME)/icons/hicolor/256x256/apps/deskdial.png" "$(XDG_DATA_HOME)/man/man1/deskdial.1" \
	  "$(XDG_DATA_HOME)/bash-completion/completions/deskdial" "$(XDG_CONFIG_HOME)/fish/completions/deskdial.fish" \
	  "$(XDG_CONFIG_HOME)/autostart/deskdial.desktop"
	-update-desktop-database -q "$(XDG_DATA_HOME)/applications" 2>/dev/null

# The phone agent as a systemd user service; expects $(BINDIR)/deskdial
# (make install-desktop, or a release binary copied there).
install-phone-service:
	@test -x "$(BINDIR)/deskdial" || { echo "install-phone-service: put deskdial in $(BINDIR) first" >&2; exit 1; }
	install -d "$(XDG_CONFIG_HOME)/systemd/user"
	sed 's|%h/.local/bin/deskdial|$(BINDIR)/deskdial|' packaging/systemd/deskdial-phone.service \
	  > "$(XDG_CONFIG_HOME)/systemd/user/deskdial-phone.service"
	systemctl --user daemon-reload
	systemctl --user enable --now deskdial-phone.service

# A Linux tarball made by fyne package (fyne.io/tools), with both programs.
# The desktop entry it writes is replaced by packaging/linux/deskdial.desktop
# (keeping the file name and icon name its Makefile installs), because
# fyne.io/tools v1.7.4
# cannot write a URL scheme handler entry (see FyneApp.toml). App ID, version
# and icon are passed from FyneApp.toml by hand: fyne package looks for that
# file next to the Go sources (app/), while it lives at the top of the tree.
package: build
	rm -rf $(DIST)/pkg && mkdir -p $(DIST)/pkg
	cd $(DIST)/pkg && $(FYNE) package --os linux --src $(CURDIR)/app --exe $(CURDIR)/$(BIN)/deskdial \
	  --name deskdial --app-id $(APP_ID) --app-version $(APP_VERSION) --icon $(CURDIR)/assets/icons/app.png --release
	cd $(DIST)/pkg && tar -xJf deskdial.tar.xz && rm deskdial.tar.xz
	# fyne package knows one program; the tray program goes next to it, and
	# each line of the package's Makefile that installs or removes the one
	# gets a twin for the other.
	install -m 755 $(BIN)/deskdial-tray $(DIST)/pkg/deskdial/usr/local/bin/deskdial-tray
	sed -i '/^\tsed/!{/bin\/$$(Exec)/{p;s/$$(Exec)/$$(Exec)-tray/g}}' $(DIST)/pkg/deskdial/Makefile
	d=$$(find $(DIST)/pkg -name '$(APP_ID).desktop'); test -n "$$d" && \
	  sed 's|^Icon=deskdial$$|Icon=$(APP_ID)|' packaging/linux/deskdial.desktop > "$$d" && \
	  desktop-file-validate "$$d"
	tar -C $(DIST)/pkg -cJf $(DIST)/deskdial-$(VERSION)-linux-$$($(GO) env GOARCH).tar.xz .
	rm -rf $(DIST)/pkg
	@echo "deskdial: $(DIST)/deskdial-$(VERSION)-linux-$$($(GO) env GOARCH).tar.xz (unpack, then sudo make -C deskdial install)"
