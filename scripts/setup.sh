#!/usr/bin/env bash
# Gigstage set-up for a Debian/Ubuntu machine: system packages, npm packages and the mediasoup
# worker. Safe to run again: it only does what is missing. Needs root or sudo for apt-get.
#   --no-browser   skip Chromium, Firefox, GStreamer and what the network tests use (a server that
#                  will not run the tests)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# What the mediasoup worker is compiled against, ffmpeg for OBS/RTMP ingest, and what runs the
# browser tests: Chromium, Firefox ESR, coturn (the optional TURN server, which the tests start
# themselves), nftables and iproute2 (network namespaces whose firewall blocks UDP), strace (the
# fault tests watch redis-server fsync); and GStreamer publishing over RTMP as other encoders do
# (rtmpsink is librtmp, like OBS; rtmp2sink; x264enc, voaacenc).
packages=(build-essential pkg-config ninja-build python3-venv
	libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev
	redis-server ffmpeg)
[[ ${1:-} == --no-browser ]] || packages+=(chromium firefox-esr fonts-dejavu-core coturn nftables iproute2 openssl strace
	gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	say "installing Debian packages: ${missing[*]}"
	sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null || { say "run as root, or install: apt-get install ${missing[*]}"; exit 1; }
		sudo=(sudo)
	fi
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js 24 LTS is recommended; 20.19+ and 22.12+ still work (what vite needs).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a >= 24 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)'; then
	say "Node.js 24 LTS is required (20.19+ and 22.12+ also work); found $(node --version)"
	exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 24)) || say "Node.js $(node --version) works, but Node 24 LTS is recommended (Node 20 is past its end of life)"


# Install from the lock file when node_modules is missing or older than it. Not `npm ci`: the lock
# holds only the platform packages of rollup that the registry served (linux), and `npm ci`
# refuses a lock without every platform's entry.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
	say 'installing npm packages'
	npm install --no-audit --no-fund
fi

say 'checking the mediasoup worker'
worker=$(bash scripts/build-mediasoup-worker.sh)
say "mediasoup worker: $worker"
say 'ready: `npm start` runs Gigstage at http://localhost:3000, `npm test` runs the tests'
