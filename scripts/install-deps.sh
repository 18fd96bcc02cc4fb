#!/bin/sh
# Install the Debian 12 packages Vigie needs to build, run its demo and its tests (idempotent).
set -eu

PACKAGES="build-essential autoconf automake libtool pkg-config
libncurses-dev libxml2-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev libpcsclite-dev
libqrencode-dev libmicrohttpd-dev libgnutls28-dev libinih-dev libjansson-dev check
openssl curl libxml2-utils libhpdf-dev poppler-utils
sqlite3 tmux procps util-linux bash valgrind tzdata
libzip-dev libgmime-3.0-dev dovecot-imapd"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "Paquets manquants :$missing" >&2
		echo "Lancez ce script en root pour les installer." >&2
		exit 1
	fi
else
	SUDO=
fi
echo "Installation des paquets :$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
