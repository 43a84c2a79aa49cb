#!/usr/bin/env bash
# Installs what building, running and testing deskdial needs on Debian or
# Ubuntu: the C headers Fyne's OpenGL/X11 driver compiles against, the X and
# D-Bus tools the tests drive, and the peers the tests talk to (nats-server,
# adb, radicale, python3-dbusmock, kdeconnect). Only missing packages are installed.
#
#   packaging/deps.sh          build + run dependencies
#   packaging/deps.sh --test   also what `make test` needs
set -euo pipefail

build=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev libxfixes-dev libxkbcommon-dev xdg-utils)
test=(xvfb xauth libgl1-mesa-dri x11-utils xclip xdotool imagemagick dbus dbus-x11
	python3 python3-dbus python3-gi python3-dbusmock nats-server adb radicale mksh
	locales ca-certificates)
# desktop integration checks: .desktop validation, the user unit, the man
# page, shell completions, GLib launching the autostart entry
test+=(desktop-file-utils systemd groff-base zsh fish gir1.2-glib-2.0)

# A CJK font, so the tray app's Chinese translation renders in the end-to-end
# screenshots (Fyne falls back to system fonts for glyphs its own font lacks).
test+=(fonts-wqy-microhei)
# A notification server that draws on X11, for the end-to-end picture of
# the Call prompt (the other tests use python3-dbusmock's).
test+=(dunst)
# KDE Connect's daemon, a real peer for the kdeconnect backend's tests (run
# in a network namespace of its own), and unshare/ip to make that namespace.
test+=(kdeconnect util-linux iproute2)
# The phone agent in the browser: node runs its tests and bundles it (npm
# fetches esbuild, the NATS client and playwright-core); Debian's chromium
# is the browser Playwright drives headless (no browser download).
test+=(nodejs chromium)
# The Windows build and its tests: MinGW-w64 cross-compiles Fyne's cgo parts
# for make release-windows-amd64, and Wine runs the result (internal/wintest).
test+=(gcc-mingw-w64-x86-64 wine wine64)
want=("${build[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with some node builds and as its own Debian package with others.
[[ "${1:-}" == "--test" ]] && ! command -v npm >/dev/null && missing+=(npm)
if ((${#missing[@]})); then
	if ! command -v apt-get >/dev/null; then
		echo "deskdial: please install: ${missing[*]}" >&2
		exit 1
	fi
	sudo=""
	[[ $(id -u) -ne 0 ]] && sudo="sudo"
	echo "deskdial: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null || ! go version | grep -qE 'go1\.(2[6-9]|[3-9][0-9])'; then
	echo "deskdial: Go 1.26 or newer is needed (https://go.dev/dl/); found: $(go version 2>/dev/null || echo none)" >&2
	exit 1
fi
if [[ "${1:-}" == "--test" ]] && ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; then
	echo "deskdial: the phone page's tests need node 20 or newer; found: $(node --version 2>/dev/null || echo none)" >&2
	exit 1
fi
go mod download
