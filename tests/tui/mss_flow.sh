#!/bin/sh
# TUI, MSSanté worklist: messages made by vigie-sim and imported with `vigie mss import`; C-v
# opens the worklist from anywhere; lines show patient, birth date, type, date and markers,
# never the XDM technical content nor the INS matricule; the CR-BIO carries its abnormal
# count; Enter shows the PDF text; I integrates (provenance MSS in the dossier); an unknown
# patient's CDA opens the attach screen with ranked candidates and differing traits marked,
# a weak match asks o/n; filters n ! t; d asks o/n; the same in monochrome C locale.
. "${SRCDIR:-.}/tests/lib.sh"
: "${VIGIE_SIM:=$(dirname "$VIGIE")/vigie-sim}"

DB="$TMP/cabinet.db"
CONF="$TMP/vigie.conf"
M="$TMP/messages"
demo_db "$DB"
: >"$CONF"          # no [mss] adresse: no automatic fetch, and no error for it
mkdir -p "$M"
q() { sqlite3 "$DB" "$1"; }
gen() { # gen FILE OPTIONS...
	local f=$1; shift
	"$VIGIE_SIM" mss-message "$@" --sortie "$M/$f" || { echo "vigie-sim mss-message $*"; exit 99; }
}
gen 1-bio.eml --type bio --patient 288046311341243
gen 2-vacc.eml --type vacc --patient 186090331012749 --urgent
gen 3-patient.eml --type texte --de 288046311341243@patient.mssante.fr
gen 4-casse.eml --type zip-casse --patient 186090331012749
gen 5-inconnu.eml --type consult --ins 186090331099995 --oid 1.2.250.1.213.1.4.8 \
	--nom MARTIN --prenoms "Julien Paul" --naissance 1986-09-04 --sexe M --cog 75056
"$VIGIE" mss import --db "$DB" "$M"/*.eml >"$TMP/import.log" 2>&1 || { cat "$TMP/import.log"; exit 99; }

screen_has() { tui_screen | grep -qE -- "$1"; }
no_screen() { ! tui_screen | grep -qE -- "$1"; }
find_line() { # find_line TEXT: select the first line whose patient or type holds TEXT
	tui_keys f
	tui_text "$1"
	tui_keys Enter
}

tui_start xterm-256color "$VIGIE" --config "$CONF" --db "$DB" --user jmartin
check "search screen" tui_wait "Recherche"
check "new items in the status line without opening anything" tui_wait "MSS:5!"
tui_keys C-v
check "C-v opens the worklist" tui_wait "MSSanté (—|-) documents reçus"
check "header: counts and sort" tui_wait "5 document\(s\) (—|-) tri : réception (—|-) 5 nouveau\(x\), [0-9]+ alerte\(s\)"
check "CR-BIO line: status, sender, patient, birth date, type, date, abnormal count" \
	screen_has "N P LEFÈVRE \(MARTIN\) Chloé +12/04/1988 CR d'examens biolo.* [0-9]{2}/[0-9]{2}/20[0-9]{2} !3"
check "urgent marker on the vaccination note" screen_has "N P MARTIN Julien +03/09/1986 Note de vaccinat.* U"
check "patient's message: sender M, named after its dossier, no address" \
	screen_has "N M (LEFÈVRE Chloé|Message du patient) .*Message +[0-9]"
check "unknown patient: ? (no dossier)" screen_has "N P MARTIN Julien +04/09/1986 .*\?"
check "broken ZIP: E (error)" screen_has "N P .*Pièce jointe.* \?E"
check "no XDM technical content on screen" no_screen "XDM/1\.0|DDM\+|METADATA|INDEX\.HTM|README\.TXT|IHE_XDM"
check "no INS matricule on the lines" no_screen "288046311341243|186090331012749|2 88 04"
tui_keys i
check "detail pane: sender and subject" tui_wait "De : .*\(professionnel\)"
check "detail pane: no dossier for the unknown patient" tui_wait "Aucun dossier : a pour rattacher"
tui_keys i

# --- view, integrate ----------------------------------------------------------------------
find_line "biolog"
check "find selects the CR-BIO" tui_wait "^> +N P LEFÈVRE"
tui_keys Enter
check "Enter shows the PDF text first" tui_wait "COMPTE RENDU D'EXAMENS BIOLOGIQUES" 10
check "structured narrative on s" tui_wait "s : document structuré"
tui_keys Escape
check "viewing marks it read" tui_wait "^> +P LEFÈVRE"
tui_keys I
check "I integrates into the matched dossier" tui_wait "^> +I P LEFÈVRE" 10
check "stored with provenance MSS" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND patient_id = 16")" = 1 ]
tui_keys I
check "integrating again is refused with the reason" tui_wait "Intégration impossible : déjà intégré"

# --- filters ------------------------------------------------------------------------------
tui_keys n
check "n: only new (the integrated one is gone)" tui_wait "filtre : nouveaux"
check "n: integrated line hidden" no_screen "I P LEFÈVRE"
tui_keys n '!'
check "!: only alerts" tui_wait "filtre : alertes"
check "!: the patient's message (no alert) hidden" no_screen " N M "
tui_keys 0 t
check "t: filter on one type" tui_wait "filtre : type « "
check "t: fewer lines" no_screen "^ +5 document"
tui_keys 0
check "0: every line again" tui_wait "^ 5 document\(s\)"
tui_keys o
check "o: sort by date" tui_wait "tri : date"
tui_keys o o o
check "o: back to reception order" tui_wait "tri : réception"

# --- attach an unknown patient's document ---------------------------------------------------
find_line "consultation"
check "selection on the unknown patient's document" tui_wait "^> +N P MARTIN Julien +04/09/1986"
tui_keys I
check "I without dossier opens the attach screen" tui_wait "rattacher un document à un dossier"
check "ranked candidates" tui_wait "^> MARTIN Julien +03/09/1986 +M +score"
check "differing trait marked (birth date)" tui_wait "≠ Date de naissance +03/09/1986 +04/09/1986"
check "equal trait marked (birth name)" screen_has "= Nom de naissance +MARTIN +MARTIN"
check "weak match said" screen_has "Correspondance faible"
tui_keys Enter
check "weak match: explicit confirmation" tui_wait "Rattacher malgré les différences \? \(o"
tui_keys n
check "n: nothing attached" tui_wait "Rien n'est rattaché"
check "still unattached in the store" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.rattachement'")" = 0 ]
tui_keys /
tui_text "martin jul"
check "/ searches any dossier by name" tui_wait "^> MARTIN Julien +03/09/1986 +M +dossier n°"
tui_keys Enter Enter
check "search hit: confirmation too" tui_wait "Rattacher malgré les différences"
tui_keys o
check "attached and integrated" tui_wait "^> +I P MARTIN Julien +04/09/1986" 10
check "attachment audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.rattachement'")" = 1 ]

# --- delete locally -------------------------------------------------------------------------
find_line "pièce"
check "selection on the broken message" tui_wait "^> +N P .*Pièce jointe"
tui_keys d
check "d asks for confirmation" tui_wait "Effacer « .* » de la liste \? \(o : oui"
tui_keys x
check "another key: nothing deleted" tui_wait "Rien n'est effacé"
tui_keys d o
check "o: deleted from the list" tui_wait "^ 4 document\(s\)"
check "deletion audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.effacement'")" = 1 ]
tui_keys R
check "R without a mailbox says so" tui_wait "MSSanté non configuré"

# --- the dossier's documents ------------------------------------------------------------
tui_keys Escape
check "back to the search" tui_wait "Recherche"
tui_keys C-u
tui_text "lefevre chloe"
tui_wait "^> MARTIN \\(LEFÈVRE\\) +Chloé" 5 >/dev/null
tui_keys Enter
check "dossier" tui_wait "Dossier (—|-) MARTIN \\(LEFÈVRE\\)"
tui_keys o
check "the dossier's documents show it with MSS" tui_wait "^> MSS +CR d'examens biolo"
tui_keys F7
check "F7 opens the worklist from the dossier's documents" tui_wait "MSSanté (—|-) documents reçus"
tui_keys Escape Escape
check "back in the dossier" tui_wait "Dossier (—|-) MARTIN \\(LEFÈVRE\\)"
tui_keys M
check "M: the worklist on this dossier" tui_wait "filtre : MARTIN \\(LEFÈVRE\\) Chloé"
check "M: other patients' documents hidden" no_screen "Julien"
tui_keys Escape Escape q
check "clean exit" tui_wait "VIGIE-EXIT:0"

# --- monochrome C locale: letters, not colours ---------------------------------------------
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
tui_start vt100 env LANG=C LC_ALL=C "$VIGIE" --config "$CONF" --db "$DB" --user jmartin
tui_wait "Recherche" 5 >/dev/null
tui_keys C-v
check "C locale: worklist" tui_wait "MSSante - documents recus"
check "C locale: markers readable" tui_wait "I P LEFEVRE \(MARTIN\) Chloe +12/04/1988 .* !3"
check "C locale: legend" screen_has "N nouveau I integre R remplace X retire D efface"
check "C locale: status line count" screen_has "MSS:[0-9]+!?"
tui_keys Escape q
check "C locale: clean exit" tui_wait "VIGIE-EXIT:0"

# --- a real mailbox (Dovecot): fetch at start, new version, sender's deletion, dead server ----
. "$SRCDIR/tests/mss.sh"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
if ! mss_server_start >"$TMP/dovecot-start.log" 2>&1; then
	cat "$TMP/dovecot-start.log"
	fail "Dovecot started"
	finish
	exit
fi
gen 6-bio-v2.eml --type bio --patient 288046311341243 --version 2
gen 7-bio-v2-D.eml --type bio --patient 288046311341243 --version 2 --action D
mss_deliver "$M/6-bio-v2.eml" || exit 99
tui_start xterm-256color "$VIGIE" --config "$CONF" --db "$DB" --user jmartin
tui_wait "Recherche" 5 >/dev/null
tui_keys C-v
check "fetch at start: announced in the status line" tui_wait "1 nouveau document MSSanté" 20
check "the open worklist is read again: new version marked V" \
	tui_wait "N P LEFÈVRE \(MARTIN\) Chloé .*!3U?V" 5
tui_keys g I
check "integrating the new version" tui_wait "^> +I P LEFÈVRE.*!3U?V" 10
check "the old version stays in history" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND status = 'remplace'")" = 1 ]
mss_deliver "$M/7-bio-v2-D.eml" || exit 99
tui_keys R
check "R fetches now: the sender's deletion is announced" \
	tui_wait "Document retiré par l'émetteur : LEFÈVRE \\(MARTIN\\) Chloé" 20
check "the withdrawn document's line shows X" tui_wait "X P LEFÈVRE \(MARTIN\) Chloé"
check "withdrawn in the dossier" [ "$(q "SELECT count(*) FROM documents WHERE status = 'retire'")" = 1 ]
tui_keys g I
check "a withdrawn document is not integrated again" tui_wait "Intégration impossible : |Rattachement impossible"
mss_server_kill
tui_keys R
check "dead server: MSS:HS in the status line" tui_wait "MSS:HS" 30
tui_keys o
check "keys still work" tui_wait "tri : date"
tui_keys Escape q
check "clean exit after the dead server" tui_wait "VIGIE-EXIT:0"
mss_server_stop
finish
