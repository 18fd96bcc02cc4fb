#!/bin/sh
# TUI: search "adr", open a dossier, see its status, help, quit — at 80x24 on vt100 and xterm.
. "${SRCDIR:-.}/tests/lib.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"

for term in vt100 xterm-256color; do
	tui_start "$term" "$VIGIE" --db "$DB" --user jmartin
	check "$term: search screen painted" tui_wait "Recherche de patient"
	tui_text "adr"
	check "$term: typing adr lists ADRUN" tui_wait "ADRUN +ZOE +31/12/1975"
	check "$term: typing adr lists ADRTROIS" tui_wait "ADRTROIS +DOMINIQUE"
	check "$term: three results" tui_wait "^3 patient\(s\)"
	if tui_screen | grep -q ECETINSI; then fail "$term: unrelated patient shown"; fi
	# Down moves the marker from the first to the second row, the field keeps the focus.
	tui_keys Down
	check "$term: marker on the second row" tui_wait "^> ADRTROIS +TOUSSAINT"
	tui_keys Up
	check "$term: marker back on the first row" tui_wait "^> ADRTROIS +DOMINIQUE"
	tui_keys Enter
	check "$term: dossier opened in one key" tui_wait "Dossier — ADRTROIS DOMINIQUE"
	check "$term: identity status visible" tui_wait "\[PROV\] Identité : Provisoire"
	check "$term: birth place shown" tui_wait "2A020"
	tui_text "?"
	check "$term: ? shows the dossier bindings" tui_wait "Aide — touches"
	check "$term: help lists edit action with its key" tui_wait "m, F2 +Modifier l'identité"
	check "$term: help lists quit" tui_wait "q, C-c +Quitter Vigie"
	tui_keys Escape
	check "$term: Esc closes help" tui_wait "Dossier — ADRTROIS DOMINIQUE"
	tui_keys Escape
	check "$term: Esc back to the search, query kept" tui_wait "Recherche : adr"
	tui_keys j
	check "$term: j moves in the list after a dossier" tui_wait "^> ADRTROIS +TOUSSAINT"
	# Typed and opened in one burst (a paste): the list follows the query before Enter acts.
	tui_keys / C-u "ecetinsi" Enter
	check "$term: burst of keys opens the right dossier" tui_wait "Dossier — ECETINSI PIERRE-ALAIN"
	tui_text "q"
	check "$term: q quits with status 0" tui_wait "VIGIE-EXIT:0"
	check "$term: shell prompt is back" tui_wait "PROMPT\\$"
	if [ "$term" = vt100 ]; then
		# No alternate screen on vt100: the screen must be left clean.
		if tui_screen | grep -q "Recherche"; then fail "vt100: screen left dirty"; else
			pass "vt100: screen cleared on exit"; fi
	fi
	tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
	sleep 0.2
done

finish
