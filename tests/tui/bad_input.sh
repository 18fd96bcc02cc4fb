#!/bin/sh
# TUI under adverse conditions: too small a terminal, resizing, a bad keymap line, SIGTERM,
# a C locale, Ctrl-Z, a read-only base.
. "${SRCDIR:-.}/tests/lib.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"

# A bad line in the user's keymap: reported as file:line, Vigie starts with the rest.
mkdir -p "$XDG_CONFIG_HOME/vigie"
printf 'bind search C-t patient-new\nbind global Z frobnicate\n' >"$XDG_CONFIG_HOME/vigie/keys"
tui_start xterm-256color "$VIGIE" --db "$DB" --user jmartin
check "bad keymap line named in the status line" tui_wait "Touches : keys:2: action inconnue « frobnicate »"
check "Vigie started anyway" tui_wait "Recherche de patient"
tui_keys C-t
check "the good line of the same file is live" tui_wait "Nouveau patient"
tui_keys Escape
check "back from the empty form without a question" tui_wait "Recherche de patient"

# Too small, then big enough again.
tmux -L "$TMUX_SOCKET" resize-window -t t -x 60 -y 20 2>/dev/null ||
	tmux -L "$TMUX_SOCKET" resize-pane -t t -x 60 -y 20
check "too small: clear message" tui_wait "Terminal trop petit : 60×20"
check "too small: minimum given" tui_wait "au moins"
tmux -L "$TMUX_SOCKET" resize-window -t t -x 100 -y 30 2>/dev/null ||
	tmux -L "$TMUX_SOCKET" resize-pane -t t -x 100 -y 30
check "resized bigger: screen redrawn" tui_wait "Recherche de patient"
check "resized bigger: status line on the new last row" sh -c \
	"tmux -L '$TMUX_SOCKET' capture-pane -t t -p | sed -n 30p | grep -q 'jmartin [0-9][0-9]:[0-9][0-9]'"

# SIGTERM: leaves cleanly, terminal restored (the shell prints after the alternate screen).
pid=$(pgrep -n -f -- "--db $DB --user jmartin")
kill -TERM "$pid"
check "SIGTERM: clean exit 0" tui_wait "VIGIE-EXIT:0"
check "SIGTERM: prompt back" tui_wait "PROMPT\\$"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
rm -f "$XDG_CONFIG_HOME/vigie/keys"

# A crash signal: the terminal is put back before the process dies.
tui_start xterm-256color "$VIGIE" --db "$DB" --user jmartin
check "started for the crash test" tui_wait "Recherche de patient"
pid=$(pgrep -n -f -- "--db $DB --user jmartin")
kill -SEGV "$pid"
check "SIGSEGV: process died of it" tui_wait "VIGIE-EXIT:139"
check "SIGSEGV: alternate screen left, shell output readable" tui_wait_gone "Recherche de patient" 2
# The pane runs "sleep" now: what is typed shows only if the tty echoes again.
tui_text "echo-est-revenu"
check "SIGSEGV: terminal modes restored (keyboard echo)" tui_wait "PROMPT\\$ echo-est-revenu"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2

# A killed process (SIGKILL: no handler runs): what was committed survives.
cp "$DB" "$TMP/kill.db"
tui_start xterm-256color "$VIGIE" --db "$TMP/kill.db" --user jmartin
check "started for the kill test" tui_wait "Recherche de patient"
tui_text "adrun"
tui_keys Enter
check "dossier opened" tui_wait "Dossier — ADRUN"
tui_text "a"
tui_text "note avant kill"
tui_keys Enter
check "note committed" tui_wait "Note ajoutée"
pid=$(pgrep -n -f -- "--db $TMP/kill.db --user jmartin")
kill -KILL "$pid"
# Nothing can restore the terminal after SIGKILL: wait for the process, not the screen.
gone() { i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	! kill -0 "$1" 2>/dev/null; }
check "SIGKILL: process gone" gone "$pid"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
check "the write is still in the -wal file" [ -s "$TMP/kill.db-wal" ]
# Read-only copy with that -wal but no -shm, for a user who cannot write the folder.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$TMP/ro2" && cp "$TMP/kill.db" "$TMP/kill.db-wal" "$TMP/ro2/" &&
		chmod 755 "$TMP" "$TMP/ro2" && chmod 444 "$TMP/ro2/kill.db" "$TMP/ro2/kill.db-wal"
	setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$TMP/ro2" \
		"$VIGIE" patient search adrun --db "$TMP/ro2/kill.db" >"$TMP/out" 2>"$TMP/err"
	check "read-only base with unread changes: refused, not shown stale" \
		grep -q "dernières modifications" "$TMP/err"
fi
notes=$(sqlite3 "$TMP/kill.db" "SELECT notes FROM patients WHERE birth_name = 'ADRUN'")
check "after SIGKILL the committed note is there" sh -c "echo '$notes' | grep -q 'note avant kill'"
audit=$(sqlite3 "$TMP/kill.db" "SELECT count(*) FROM audit WHERE action = 'patient.note'")
check "and its audit row too" [ "$audit" = 1 ]

# C locale: accents transliterated on screen, data untouched.
tui_start vt100 env LANG=C LC_ALL=C "$VIGIE" --db "$DB" --user jmartin
check "C locale: search screen" tui_wait "Recherche de patient"
tui_text "daeion"
check "C locale: ligatures shown as ASCII" tui_wait "D'AEION +COEUR"
tui_keys Enter
check "C locale: accents transliterated" tui_wait "ne le 01/01/1987"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2

# Ctrl-Z in an interactive shell with job control: stopped, then fg brings the screen back.
tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s t -x 80 -y 24 \
	"env PS1='PROMPT\$ ' TERM=xterm-256color bash --norc --noprofile -i"
tui_wait "PROMPT\\$" >/dev/null
tui_text "$VIGIE --db $DB --user jmartin"
tui_keys Enter
check "job control shell: Vigie started" tui_wait "Recherche de patient"
tui_keys C-z
check "Ctrl-Z: stopped, shell prompt back" tui_wait "Stopped|Arrêté"
tui_text "fg"
tui_keys Enter
check "fg: screen repainted" tui_wait "Recherche de patient"
tui_keys C-c
check "C-c quits from the search field after fg" tui_wait_gone "Recherche de patient"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
name=$(sqlite3 "$DB" "SELECT birth_name || ' ' || first_name FROM patients WHERE birth_name LIKE 'D''%ION'")
check "data never altered by display" [ "$name" = "D'ÆION CŒUR" ]

finish
