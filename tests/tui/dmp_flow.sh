#!/bin/sh
# TUI, DMP end to end against vigie-sim: sign-in by CIBA shown in the status line; no DMP
# request before consent; consent in one key from the dossier; the count of new documents (and
# of those invisible to the patient) appears without a keypress while the DMP answers in 5 s,
# keys keep working; the legal reminder (unchecked by default, audited); the DICA screen; the
# document list, its filters, viewing, integrating twice stores once; provenance in the dossier.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"
sim_start --fault ciba=approve:500,interval:1 || { echo "dmp_flow: 0 passed, 1 failed"; exit 1; }
CONF="$TMP/vigie.conf"
q() { sqlite3 "$DB" "$1"; }
dmp_lines() { grep -c ' dmp ' "$TMP/sim.log"; }
open_dossier() { # open_dossier SEARCH-TEXT NAME-ON-TITLE
	tui_keys C-u
	tui_text "$1"
	tui_wait "^> $2" 5 >/dev/null || return 1
	tui_keys Enter
	tui_wait "Dossier (—|-) $2" 5
}

tui_start xterm-256color "$VIGIE" --config "$CONF" --db "$DB" --user jmartin
check "search screen" tui_wait "Recherche"
tui_keys C-w
check "CIBA: the code to compare on the e-CPS app" tui_wait "Code e-CPS à valider : [0-9][0-9]|PSC:code [0-9][0-9]"
check "signed in: who, in the status line" tui_wait "PSC:MARTIN" 10

sim_fault dmp=delay:5000
check "open LEFÈVRE Chloé" open_dossier "lefevre chloe" "MARTIN \\(LEFÈVRE\\) +Chloé"
check "DMP line without a keypress: not consultable, consent missing" \
	tui_wait "DMP- .*onsentement"
sleep 1
check "no DMP request without consent" [ "$(dmp_lines)" -eq 0 ]
tui_keys c
check "consent in one key" tui_wait "DMP : consentement recueilli"
check "the DMP is asked in the background" tui_wait "interrogation du DMP" 3
tui_keys a
check "keys still work while the DMP answers (note prompt)" tui_wait "Note" 2
tui_keys Escape
check "count of new documents, invisible apart, no keypress" \
	tui_wait "DMP\+ +consultable +[1-9][0-9]* nouveaux documents \[[1-9] invisible" 20
check "consent audited" [ "$(q "SELECT count(*) FROM audit WHERE action LIKE 'dmp.consent%'")" -ge 1 ]
sim_fault dmp=none

tui_keys d
check "legal reminder at first use" tui_wait "poursuites"
check "J'ai compris unchecked by default" tui_wait "\[ \] J'ai compris"
tui_keys Enter
check "cannot validate unchecked" tui_wait "Cochez « J'ai compris »"
tui_keys Space
check "checked with Space" tui_wait "\[x\] J'ai compris"
tui_keys Enter
check "DICA screen after the reminder" tui_wait "D ✓ OK"
check "all four lines OK" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -t t -p | grep -cE '^ [DICA] ✓ OK' | grep -qx 4"
check "acknowledgement audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'dmp.rappel-legal' AND who = 'jmartin'")" = 1 ]
tui_keys D
check "document list from DICA" tui_wait "DMP (—|-) documents de"
check "new and invisible markers" tui_wait "\[ \]NI"
tui_keys '!'
check "filter: only invisible to the patient" tui_wait "document\(s\) invisibles au patient"
tui_keys '!'
tui_keys /
tui_text "biolog"
tui_keys Enter
check "filter on any field (type)" tui_wait "^ 1 document\(s\)|^> \[ \].*biolog" 3
tui_keys / Escape
tui_keys Space Space
check "two chosen" tui_wait "2 choisi"
tui_keys I
check "integrated" tui_wait "2 document\(s\) intégré\(s\)" 10
check "stored with provenance DMP" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'DMP'")" = 2 ]
check "integrated marker" tui_wait "\[ \]N.= [0-9][0-9]/"
tui_keys g Space Space I
check "integrating the same again stores nothing" tui_wait "0 document\(s\) intégré\(s\) au dossier, 2 déjà présent" 10
check "still two documents" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'DMP'")" = 2 ]
tui_keys g Enter
check "viewer shows the PDF text" tui_wait "Ligne 1/" 10
tui_keys Escape Escape Escape
check "back to the dossier" tui_wait "Dossier (—|-) MARTIN \\(LEFÈVRE\\)"
check "visit recorded: nothing new any more" tui_wait "aucun nouveau" 5
tui_keys o
check "documents of the dossier with provenance DMP" tui_wait "^> DMP "
tui_keys Escape q
check "clean exit" tui_wait "VIGIE-EXIT:0"

# --- monochrome C locale: markers without colour ------------------------------------------
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
tui_start vt100 env LANG=C LC_ALL=C "$VIGIE" --config "$CONF" --db "$DB" --user jmartin
tui_wait "Recherche" 5 >/dev/null   # C-w typed before the first screen could be lost
tui_keys C-w
check "C locale: signed in" tui_wait "PSC:MARTIN" 10
check "C locale: open the dossier" open_dossier "lefevre chloe" "MARTIN \\(LEFEVRE\\) +Chloe"
tui_keys d
check "C locale: DICA marks readable" tui_wait "D v OK"
tui_keys Escape q
sim_stop
finish
