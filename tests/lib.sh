# Shared helpers for the shell tests: temp dirs, a demo base, tmux driving, assertions.
# Each test sources this file; VIGIE (binary) and SRCDIR come from the Makefile.

set -u
: "${VIGIE:=$(pwd)/vigie}"
: "${SRCDIR:=$(pwd)}"
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "/tmp/vigie-$TEST_NAME.XXXXXX")
TMUX_SOCKET="vigie-$TEST_NAME-$$"
failures=0
checks=0
export LANG=C.UTF-8 LC_ALL=C.UTF-8
# Never read the developer's own configuration or key bindings.
export XDG_CONFIG_HOME="$TMP/config" HOME="$TMP/home"
mkdir -p "$XDG_CONFIG_HOME" "$HOME"

cleanup() {
	tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - $*"; }

check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

demo_db() { # demo_db FILE: a fresh demo base
	"$VIGIE" init --db "$1" --demo >/dev/null || { echo "vigie init failed"; exit 99; }
}

# --- tmux -----------------------------------------------------------------------------
tui_start() { # tui_start TERM COMMAND...: start in an 80x24 pane, the shell stays afterwards
	local term=$1; shift
	tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s t -x 80 -y 24 \
		"env TERM=$term $* ; echo \"VIGIE-EXIT:\$?\"; printf 'PROMPT\$ '; sleep 600"
	tmux -L "$TMUX_SOCKET" set-option -t t status off >/dev/null
}
tui_keys() { tmux -L "$TMUX_SOCKET" send-keys -t t "$@"; }
tui_text() { tmux -L "$TMUX_SOCKET" send-keys -t t -l "$1"; }
tui_screen() { tmux -L "$TMUX_SOCKET" capture-pane -t t -p; }
tui_wait() { # tui_wait PATTERN [SECONDS]: until the screen matches (grep -E)
	local pat=$1 limit=${2:-5} i=0
	while [ "$i" -lt $((limit * 20)) ]; do
		tui_screen | grep -qE -- "$pat" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "--- screen (waited for: $pat) ---"
	tui_screen
	echo "---"
	return 1
}
tui_wait_gone() { # tui_wait_gone PATTERN [SECONDS]
	local pat=$1 limit=${2:-5} i=0
	while [ "$i" -lt $((limit * 20)) ]; do
		tui_screen | grep -qE -- "$pat" || return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

finish() {
	echo "$TEST_NAME: $((checks - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}
