#!/bin/sh
# Configure and build Vigie out of tree in BUILD_DIR (default: build/), idempotently.
# Usage: scripts/build.sh [configure options...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

cd "$top"
if [ -f config.status ]; then
	echo "Ce dossier source a déjà été configuré sur place (./configure) : lancez" >&2
	echo "« make distclean » ici, puis relancez ; les builds se font dans build/." >&2
	exit 1
fi
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null
fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ "${RECONFIGURE:-0}" = 1 ]; then
	"$top/configure" -q "$@"
fi
make -j"$(nproc)" -s
