#!/bin/sh
# A disk that fills up while Vigie runs: a clear message, nothing half-written, and the same
# action succeeds once there is room again. Needs root for a small tmpfs in a private mount
# namespace; skipped otherwise.
if [ -z "${VIGIE_IN_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 ||
	   ! unshare -m true 2>/dev/null; then
		echo "root and mount namespaces needed: test skipped"
		exit 77
	fi
	VIGIE_IN_NS=1 exec unshare -m sh "$0" "$@"
fi
. "${SRCDIR:-.}/tests/lib.sh"

mkdir -p "$TMP/small"
if ! mount -t tmpfs -o size=2m tmpfs "$TMP/small" 2>/dev/null; then
	echo "tmpfs mount refused: test skipped"
	exit 77
fi
DB="$TMP/small/cabinet.db"
demo_db "$DB"

tui_start xterm-256color "$VIGIE" --db "$DB" --user jmartin
check "started on the small disk" tui_wait "Recherche de patient"
tui_text "adrun"
tui_keys Enter
check "dossier opened" tui_wait "Dossier — ADRUN"
dd if=/dev/zero of="$TMP/small/fill" bs=4k 2>/dev/null
tui_text "a"
tui_text "note disque plein"
tui_keys Enter
check "full disk: clear French message" tui_wait "disque plein, rien n'a été enregistré"
check "full disk: the typed note is kept on screen" tui_wait ">Note +note disque plein"
rm -f "$TMP/small/fill"
tui_keys Enter
check "room again: the same Enter saves it" tui_wait "Note ajoutée"
tui_keys C-c
check "quit" tui_wait "VIGIE-EXIT:0"
n=$(sqlite3 "$DB" "SELECT count(*) FROM patients WHERE notes LIKE '%note disque plein%'")
check "saved exactly once" [ "$n" = 1 ]
a=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'patient.note'")
check "one audit row, none for the failed attempt" [ "$a" = 1 ]
check "database intact" [ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]

# Opening a base on a disk that is already full says so.
dd if=/dev/zero of="$TMP/small/fill" bs=4k 2>/dev/null
"$VIGIE" patient search adr --db "$DB" >"$TMP/out" 2>"$TMP/err"
check "open on a full disk: message says disque plein" grep -q "disque plein" "$TMP/err"
rm -f "$TMP/small/fill"
umount "$TMP/small"

finish
