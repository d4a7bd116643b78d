#!/usr/bin/env bash
#
# build-mediasoup-worker.sh — make sure a mediasoup-worker binary exists.
#
# mediasoup's npm package normally downloads a prebuilt worker binary, or falls
# back to building one with a builder that downloads the sources of its C++
# dependencies (OpenSSL, libuv, libsrtp2, usrsctp, abseil, ...) at build time.
# Neither works offline, so this script compiles the worker sources shipped in
# node_modules/mediasoup/worker/ against Debian 12's system libraries instead,
# replacing mediasoup's meson `.wrap` subprojects with the small local stand-ins
# in scripts/mediasoup-subprojects/.
#
# The result is cached OUTSIDE the repository, keyed by mediasoup version:
#
#   ${GIGSTAGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gigstage}/mediasoup-worker/<version>/mediasoup-worker
#
# Order of preference (first match wins):
#   1. $MEDIASOUP_WORKER_BIN, if set (must be an executable file);
#   2. a prebuilt node_modules/mediasoup/worker/out/Release/mediasoup-worker;
#   3. the cached binary above;
#   4. build it from source (~5 minutes on 2 cores) and cache it.
#
# Output: progress messages go to stderr; the absolute path of the worker
# binary is the only thing printed to stdout, so callers can do
#
#   bin=$(bash scripts/build-mediasoup-worker.sh)
#   export MEDIASOUP_WORKER_BIN="$bin"   # before mediasoup is first imported
#
# Needs (Debian 12): build-essential pkg-config ninja-build python3-venv
#   libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev
#   nlohmann-json3-dev
# meson >= 1.1 is required (Debian 12 ships 1.0.1), so unless a new enough
# `meson` is on PATH it is pip-installed into a venv inside the cache dir.
#
# Environment knobs:
#   GIGSTAGE_CACHE_DIR   cache root (default: $XDG_CACHE_HOME/gigstage or ~/.cache/gigstage)
#   MEDIASOUP_WORKER_BIN use this binary, build nothing
#   VERBOSE=1            stream meson/ninja output to stderr (always also logged)

set -euo pipefail

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

log() { printf '[mediasoup-worker] %s\n' "$*" >&2; }
die() { printf '[mediasoup-worker] ERROR: %s\n' "$*" >&2; exit 1; }

# A worker binary is usable if it is a non-empty executable file whose shared
# libraries all resolve (catches a cached build whose Debian -dev/runtime
# packages were removed or upgraded incompatibly since).
worker_ok() {
	local bin=$1
	[[ -f $bin && -x $bin && -s $bin ]] || return 1
	if command -v ldd >/dev/null 2>&1 && ldd "$bin" 2>/dev/null | grep -q 'not found'; then
		log "warning: $bin has unresolved shared libraries:"
		ldd "$bin" 2>/dev/null | grep 'not found' >&2 || true
		return 1
	fi
	return 0
}

# Print the absolute path of a usable worker binary on stdout and stop.
use_worker() {
	log "using $2: $1"
	printf '%s\n' "$1"
	exit 0
}

# version_ge A B: true if version A >= version B (dotted numeric versions).
version_ge() {
	[[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

# ---------------------------------------------------------------------------
# 1. Locate mediasoup and read its version
# ---------------------------------------------------------------------------

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
MEDIASOUP_DIR="$REPO_ROOT/node_modules/mediasoup"
SUBPROJECTS_DIR="$SCRIPT_DIR/mediasoup-subprojects"

[[ -f "$MEDIASOUP_DIR/package.json" ]] ||
	die "$MEDIASOUP_DIR not found; run 'npm install' first."

# Read "version" from package.json (node is always around in this project).
MEDIASOUP_VERSION=$(node -p 'require(process.argv[1]).version' "$MEDIASOUP_DIR/package.json")
[[ -n $MEDIASOUP_VERSION ]] || die "could not read the mediasoup version from $MEDIASOUP_DIR/package.json"

# ---------------------------------------------------------------------------
# 2. An explicitly configured binary wins
# ---------------------------------------------------------------------------

if [[ -n ${MEDIASOUP_WORKER_BIN:-} ]]; then
	[[ -f $MEDIASOUP_WORKER_BIN && -x $MEDIASOUP_WORKER_BIN ]] ||
		die "MEDIASOUP_WORKER_BIN is set to '$MEDIASOUP_WORKER_BIN', which is not an executable file (unset it to build one)."
	use_worker "$(realpath "$MEDIASOUP_WORKER_BIN")" "MEDIASOUP_WORKER_BIN"
fi

# ---------------------------------------------------------------------------
# 3. A prebuilt binary inside the package (where mediasoup's download worked)
# ---------------------------------------------------------------------------

PREBUILT="$MEDIASOUP_DIR/worker/out/Release/mediasoup-worker"
if worker_ok "$PREBUILT"; then
	use_worker "$PREBUILT" "prebuilt mediasoup-worker $MEDIASOUP_VERSION from node_modules"
fi

# ---------------------------------------------------------------------------
# 4. The cache
# ---------------------------------------------------------------------------

CACHE_ROOT="${GIGSTAGE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/gigstage}"
WORKER_CACHE="$CACHE_ROOT/mediasoup-worker"      # shared by all versions (meson venv)
VERSION_DIR="$WORKER_CACHE/$MEDIASOUP_VERSION"   # one directory per mediasoup version
CACHED_BIN="$VERSION_DIR/mediasoup-worker"
BUILD_LOG="$VERSION_DIR/build.log"

if worker_ok "$CACHED_BIN"; then
	use_worker "$CACHED_BIN" "cached mediasoup-worker $MEDIASOUP_VERSION"
fi

mkdir -p "$VERSION_DIR"

# Serialise concurrent runs (e.g. setup and tests started together): the
# second one waits, then finds the binary the first one built.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$VERSION_DIR/.lock"
	if ! flock -n 9; then
		log "another build of mediasoup-worker $MEDIASOUP_VERSION is running; waiting for it..."
		flock 9
	fi
	if worker_ok "$CACHED_BIN"; then
		use_worker "$CACHED_BIN" "cached mediasoup-worker $MEDIASOUP_VERSION"
	fi
fi

# ---------------------------------------------------------------------------
# 5. Build from source
# ---------------------------------------------------------------------------

[[ -d $SUBPROJECTS_DIR ]] || die "$SUBPROJECTS_DIR is missing."

# --- 5a. Tools and system libraries -----------------------------------------

missing_tools=()
for tool in cc c++ pkg-config ninja python3; do
	command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
done
((${#missing_tools[@]} == 0)) ||
	die "missing build tools: ${missing_tools[*]} (apt-get install build-essential pkg-config ninja-build python3-venv)"

# pkg-config module -> Debian package that provides it.
declare -A PKG_FOR=(
	[openssl]=libssl-dev
	[libuv]=libuv1-dev
	[libsrtp2]=libsrtp2-dev
	[usrsctp]=libusrsctp-dev
	[absl_flat_hash_map]=libabsl-dev
	[nlohmann_json]=nlohmann-json3-dev
)
missing_pkgs=()
for module in "${!PKG_FOR[@]}"; do
	pkg-config --exists "$module" || missing_pkgs+=("${PKG_FOR[$module]}")
done
((${#missing_pkgs[@]} == 0)) ||
	die "missing Debian packages: ${missing_pkgs[*]} (apt-get install ${missing_pkgs[*]})"

# --- 5b. meson >= 1.1 ----------------------------------------------------------

MESON_MIN=1.1.0
MESON=""
if command -v meson >/dev/null 2>&1 && version_ge "$(meson --version 2>/dev/null || echo 0)" "$MESON_MIN"; then
	MESON=$(command -v meson)
else
	VENV="$WORKER_CACHE/venv"
	if ! { [[ -x "$VENV/bin/meson" ]] && version_ge "$("$VENV/bin/meson" --version 2>/dev/null || echo 0)" "$MESON_MIN"; }; then
		log "installing meson >= $MESON_MIN into $VENV (Debian's meson is too old)..."
		python3 -c 'import venv, ensurepip' 2>/dev/null ||
			die "python3 cannot create virtual environments; apt-get install python3-venv"
		rm -rf "$VENV"
		python3 -m venv "$VENV" >&2 || die "python3 -m venv $VENV failed"
		# <2: our stand-in subprojects use source-less static libraries, which
		# meson 1.x accepts with a deprecation warning.
		"$VENV/bin/pip" install --quiet "meson>=$MESON_MIN,<2" >&2 ||
			die "pip install meson failed"
	fi
	MESON="$VENV/bin/meson"
fi
log "using meson $("$MESON" --version) ($MESON), ninja $(ninja --version)"

# --- 5c. Scratch copy of the worker sources with local subprojects ------------

# Never touch node_modules in place: copy worker/ into a temp dir.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
SRC="$SCRATCH/worker"
BUILD="$SCRATCH/build"

cp -a "$MEDIASOUP_DIR/worker" "$SRC"
# Drop any earlier build output and the wraps (which would download sources),
# then drop our stand-ins in: subprojects/<name>/meson.build.
rm -rf "$SRC/out" "$SRC/subprojects/packagecache"
rm -f "$SRC"/subprojects/*.wrap
cp -a "$SUBPROJECTS_DIR"/*/ "$SRC/subprojects/"

# --- 5d. Configure and compile ---------------------------------------------------

# Send tool output to the log (and to stderr too with VERBOSE=1).
run_logged() {
	if [[ ${VERBOSE:-0} == 1 ]]; then
		"$@" 2>&1 | tee -a "$BUILD_LOG" >&2
	else
		"$@" >>"$BUILD_LOG" 2>&1
	fi
}
build_failed() {
	log "build failed; last lines of $BUILD_LOG:"
	tail -n 40 "$BUILD_LOG" >&2 || true
	# Keep the scratch tree (meson-logs/, sources) for inspection.
	trap - EXIT
	log "scratch build tree kept for inspection: $SCRATCH"
	die "could not build mediasoup-worker $MEDIASOUP_VERSION (full log: $BUILD_LOG)"
}

JOBS=$(nproc 2>/dev/null || echo 2)
START=$SECONDS
: >"$BUILD_LOG"
log "building mediasoup-worker $MEDIASOUP_VERSION from source against Debian libraries (~5 min on 2 cores)..."
log "log: $BUILD_LOG (VERBOSE=1 to stream it)"

# Same options as mediasoup's own Makefile for a Release build;
# --wrap-mode=nodownload guarantees nothing is fetched from the network.
run_logged "$MESON" setup "$BUILD" "$SRC" \
	--buildtype release \
	-Db_ndebug=true \
	-Db_pie=true \
	-Db_staticpic=true \
	--wrap-mode=nodownload ||
	build_failed

# Only the worker executable (not the tests, fuzzer or libmediasoup-worker).
run_logged ninja -C "$BUILD" -j "$JOBS" mediasoup-worker || build_failed

NEW_BIN="$BUILD/mediasoup-worker"
worker_ok "$NEW_BIN" || build_failed

# --- 5e. Install into the cache atomically ---------------------------------------

# Copy next to the final path, then rename: readers never see a partial file.
TMP_BIN=$(mktemp "$VERSION_DIR/.mediasoup-worker.XXXXXX")
cp "$NEW_BIN" "$TMP_BIN"
chmod 755 "$TMP_BIN"
mv -f "$TMP_BIN" "$CACHED_BIN"

log "built mediasoup-worker $MEDIASOUP_VERSION in $(((SECONDS - START) / 60))m$(((SECONDS - START) % 60))s"
use_worker "$CACHED_BIN" "freshly built mediasoup-worker $MEDIASOUP_VERSION"
