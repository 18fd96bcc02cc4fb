#!/bin/sh
# TUI, INS end to end against vigie-sim: opening a provisoire dossier calls INSi by itself,
# the comparison appears in the dossier without a keypress while keys keep working, the
# identity is qualified with a CNI in two keys, persisted and audited; 01/02/errors give advice;
# a slow (5 s) or dead service never blocks; a patient is created from INSi without retyping.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"
sim_start
CONF="$TMP/vigie.conf"
q() { sqlite3 "$DB" "$1"; }
sim_requests() {
	curl -s --cacert "$SIM_CA" "https://localhost:$SIM_PORT/_sim/stats" |
		sed -n 's/^insi_requests: //p'
}

open_dossier() { # open_dossier SEARCH-TEXT NAME-ON-TITLE
	tui_keys C-u
	tui_text "$1"
	tui_wait "^> $2" 5 >/dev/null || return 1
	tui_keys Enter
	tui_wait "Dossier (—|-) $2" 5
}

tui_start vt100 "$VIGIE" --config "$CONF" --db "$DB" --user jmartin

# --- TCHITCHI: OLA gives 01, CATARINA 00; the first name differs -------------------------
check "open TCHITCHI" open_dossier "tchitchi" "TCHITCHI +OLA"
check "comparison shown in the dossier, no keypress" tui_wait "Premier prénom +OLA +CATARINA" 8
check "difference marked for monochrome" tui_wait "≠ Premier prénom|! Premier prénom"
check "equal traits marked" tui_wait "= Nom de naissance +TCHITCHI +TCHITCHI"
check "matricule from INSi shown" tui_wait "2 36 06 63 220 836 56"
check "announced in the status line" tui_wait "INSi : identité trouvée, à comparer"
check "still provisoire (different first name: no automatic retrieval)" \
	[ "$(q "SELECT id_status FROM patients WHERE birth_name = 'TCHITCHI'")" = provisoire ]
tui_keys v
check "one key opens the ID document choice" tui_wait "c : carte d'identité"
tui_keys c
check "qualified with the CNI" tui_wait "Identité qualifiée"
check "banner shows qualifiée" tui_wait "QUAL"
check "status persisted" [ "$(q "SELECT id_status || ' ' || validation_mode || ' ' || ins_matricule || ' ' || first_name FROM patients WHERE birth_name = 'TCHITCHI'")" = "qualifiee CN 236066322083656 CATARINA" ]
check "qualification audited with the document" \
	[ "$(q "SELECT count(*) FROM audit WHERE action = 'ins.qualification' AND who = 'jmartin' AND detail LIKE '%\"piece\":\"CN\"%'")" = 1 ]
check "each INSi call traced with its CR and duration (OLA 01, CATARINA 00)" \
	[ "$(q "SELECT group_concat(json_extract(detail, '\$.prenom') || ':' || json_extract(detail, '\$.cr'), ' ') FROM audit WHERE action = 'insi-appel' AND detail LIKE '%duree_ms%'")" = "OLA:01 CATARINA:00" ]
tui_keys Escape

# --- ADRUN: every trait matches: récupérée by itself, then only the document is asked -----
check "open ADRUN" open_dossier "adrun" "ADRUN +ZOE"
check "identity récupérée automatically" tui_wait "récupérée automatiquement|RECUP" 8
check "récupérée in the base" [ "$(q "SELECT id_status FROM patients WHERE birth_name = 'ADRUN'")" = recuperee ]
tui_keys i
check "comparison screen one key away" tui_wait "Identité INS — comparaison"
check "asks only for the document" tui_wait "q : qualifier"
tui_keys q
tui_keys p
check "qualified with the passport" tui_wait "Statut du dossier : Qualifiée — pièce : Passeport"
tui_keys Escape Escape

# --- periodic verification: confirmed only when INSi gives back the same INS and traits ----
# (answers of the last 24 hours are shown again rather than asked again: age them)
q "UPDATE insi_answers SET at = '2020-01-01T10:00:00Z'"
q "UPDATE patients SET ins_checked_at = '2020-01-01' WHERE birth_name = 'ADRUN'"
check "reopen ADRUN checked 6 years ago" open_dossier "adrun" "ADRUN +ZOE"
check "verified again, unchanged" tui_wait "INS vérifiée auprès d'INSi : inchangée" 8
check "verification date moved" [ "$(q "SELECT ins_checked_at > '2020-01-01' FROM patients WHERE birth_name = 'ADRUN'")" = 1 ]
tui_keys Escape
q "UPDATE patients SET ins_checked_at = '2020-01-01', birth_first_names = 'CATARINA' WHERE birth_name = 'TCHITCHI'"
check "reopen TCHITCHI whose local list was changed" open_dossier "tchitchi" "TCHITCHI +CATARINA"
check "verification not confirmed: the difference is shown" tui_wait "Prénoms naissance +CATARINA +CATARINA BELLA" 8
check "said to be a verification" tui_wait "INSi \(vérification\) : une identité trouvée"
check "not marked verified" [ "$(q "SELECT ins_checked_at FROM patients WHERE birth_name = 'TCHITCHI'")" = 2020-01-01 ]
tui_keys v
check "nothing to qualify on a qualifiée identity" tui_wait "Identité déjà qualifiée"
tui_keys i
tui_keys a
check "accepting takes INSi's list; the CNI was seen on other traits: récupérée" \
	tui_wait "Statut du dossier : Récupérée"
check "list from INSi, document dropped" [ "$(q "SELECT birth_first_names || '/' || validation_mode FROM patients WHERE birth_name = 'TCHITCHI'")" = "CATARINA BELLA/" ]
tui_keys q
check "qualify again from the comparison screen" tui_wait "Pièce vue, concordant"
tui_keys c
check "qualifiée again with the CNI" tui_wait "Statut du dossier : Qualifiée — pièce : Carte"
tui_keys Escape Escape

# --- DE VINCI Leonardo: 02 without the birth place -> advice -----------------------------
check "open DE VINCI Leonardo" open_dossier "vinci leo" "DE VINCI +LEONARDO"
check "02 announced with advice key" tui_wait "plusieurs identités trouvées \(02\)" 8
tui_keys i
check "02 advice: add the birth place" tui_wait "ajoutez le lieu de naissance"
tui_keys Escape Escape

# --- HOUILLES: 01 for every first name -> advice on birth name ---------------------------
check "open HOUILLES" open_dossier "houilles" "HOUILLES +PIERRE"
check "01 announced" tui_wait "aucune identité trouvée \(01\)" 8
tui_keys i
check "01 advice: birth name, not married name" tui_wait "Nom de naissance, pas nom d.usage"
check "every first name was tried" tui_wait "JACQUES"
tui_keys Escape Escape

# --- a slow service (5 s): keys keep working, the answer lands without a keypress --------
sim_fault "delay:5000"
check "open ECETINSI while INSi takes 5 s" open_dossier "ecetinsi" "ECETINSI +PIERRE-ALAIN"
check "pending call shown in the dossier and the status line" tui_wait "INSi : interrogation en cours"
check "status line shows INSi pending" tui_wait "INSi… 1 tâche"
start=$(date +%s%N)
tui_keys a
check "keys answered during the call (note prompt)" tui_wait "Note"
tui_text "appel pendant INSi, une note plus longue que la largeur de l'écran pour voir défiler FIN-DE-NOTE"
check "a long note scrolls sideways: its end stays visible" tui_wait "FIN-DE-NOTE"
tui_keys Enter
check "note saved during the call" tui_wait "appel pendant INSi"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "that took well under the 5 s of INSi (${ms} ms)" [ "$ms" -lt 3000 ]
check "answer arrives by itself" tui_wait "récupérée automatiquement|RECUP|une identité trouvée" 10
tui_keys Escape

# --- cancelling a slow call (C-k): the helper is stopped, the service is not called down ---
check "open VANDERMONDE while INSi takes 5 s" open_dossier "vandermonde" "VANDERMONDE +ARIANA"
check "call pending" tui_wait "INSi : interrogation en cours"
tui_keys C-k
check "cancel acknowledged" tui_wait "INSi : annulation demandée|annul"
no_helper_left() { # the vigie-net child of this vigie is gone within 2 s
	pane=$(tmux -L "$TMUX_SOCKET" display -p -t t '#{pane_pid}')
	vpid=$(pgrep -P "$pane" -x vigie)
	[ -n "$vpid" ] || return 1
	for i in $(seq 40); do
		pgrep -P "$vpid" -x vigie-net >/dev/null || return 0
		sleep 0.05
	done
	return 1
}
check "cancelled call: its vigie-net helper is stopped" no_helper_left
cancel_recorded() {
	for i in $(seq 40); do
		[ "$(q "SELECT count(*) FROM insi_answers a JOIN patients p ON p.id = a.patient_id WHERE p.birth_name = 'VANDERMONDE' AND a.error_code = 'annule'")" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}
check "cancel recorded on the answer" cancel_recorded
check "a cancel is not a dead service" tui_wait_gone "INSi:HS" 2
tui_keys Escape

# --- a key that does not verify (HERMANN, CNDA 2.08 cas 2): anomaly, never accepted ------
sim_fault "none"
check "open HERMANN" open_dossier "hermann" "HERMANN +GATIEN"
check "anomaly announced in the dossier" tui_wait "ANOMALIE de clé" 8
check "not récupérée automatically" [ "$(q "SELECT id_status FROM patients WHERE birth_name = 'HERMANN'")" = provisoire ]
tui_keys v
check "qualification refused" tui_wait "anormale"
tui_keys i
check "anomaly on top of the comparison" tui_wait "ANOMALIE : clé de matricule fausse"
tui_keys a
check "acceptance refused" tui_wait "Réponse anormale \\(clé fausse\\) : acceptation impossible"
tui_keys Escape Escape

# --- a dead service: clear state and a retry action -------------------------------------
sim_fault "reset"
check "open CORSE" open_dossier "corse anthony" "CORSE +ANTHONY"
check "failure shown with the retry key" tui_wait "I : relancer" 10
check "INSi shown down in the status line" tui_wait "INSi:HS"
sim_fault "none"
tui_keys I
check "retry succeeds" tui_wait "une identité trouvée|RECUP" 10
check "INSi back up in the status line" tui_wait "INSi:ok"
tui_keys Escape

# --- douteuse: no call at all ------------------------------------------------------------
before=$(sim_requests)
id=$(q "SELECT id FROM patients WHERE birth_name = 'DE VINCI' AND first_name = 'RUTH'")
q "UPDATE patients SET attr_douteuse = 1 WHERE id = $id"
check "open a douteuse identity" open_dossier "vinci ruth" "DE VINCI +RUTH"
check "no INSi call for a douteuse identity" tui_wait "pas d'appel pour une identité douteuse"
sleep 0.5
check "the simulator received nothing" [ "$(sim_requests)" = "$before" ]
tui_keys Escape

# --- creation from INSi: nothing local, traits typed once --------------------------------
q "DELETE FROM patients WHERE birth_name = 'NESSI'"
tui_keys C-u
tui_text "nessi michelangelo 07/08/2010"
check "nothing local" tui_wait "Aucun patient"
tui_keys F4
check "INSi search form prefilled" tui_wait "NESSI"
tui_text "M"
tui_keys Enter
check "answer shown for creation" tui_wait "c : créer le dossier" 8
tui_keys c
check "dossier created from INSi" tui_wait "Dossier — NESSI"
check "created récupérée with INSi traits, no retyping" \
	[ "$(q "SELECT id_status || ' ' || birth_first_names || ' ' || ins_matricule FROM patients WHERE birth_name = 'NESSI'")" = "recuperee MICHELANGELO ANTHONY 110086322083060" ]
tui_keys Escape
tui_keys C-u
tui_text "adrun zoe 31/12/1975"
tui_keys Tab
tui_keys C-t
tui_text "F"
tui_keys Enter
check "answer for a patient already in the base" tui_wait "c : créer le dossier" 8
tui_keys c
check "second dossier refused" tui_wait "déjà ce matricule INS"
tui_keys Escape
tui_keys Escape

# --- indicators: the qualifications above counted for this user -------------------------
tui_keys F3
check "indicators screen" tui_wait "Indicateurs d'identitovigilance"
check "per-user line with the qualifications" tui_wait "jmartin"
tui_keys Escape
tui_keys C-c
check "quit" tui_wait "VIGIE-EXIT:0"

# --- C locale on a vt100: the markers keep "different" and "missing" apart ---------------
q "UPDATE patients SET birth_first_names = 'PIERRE-ALAIN JEAN' WHERE birth_name = 'D''ARTAGNAN DE L''HERAULT'"
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
tui_start vt100 env LANG=C LC_ALL=C "$VIGIE" --config "$CONF" --db "$DB" --user jmartin
check "C locale: open D'ARTAGNAN" open_dossier "artagnan" "D'ARTAGNAN DE L'HERAULT +PIERRE-ALAIN"
check "C locale: different marked with !" tui_wait "^ ! Pr.noms naissance +PIERRE-ALAIN JEAN +PIERRE-ALAIN" 8
check "C locale: missing marked with ?" tui_wait "^ \\? Matricule INS"
check "C locale: legend readable" tui_wait "= identique +! diff.rent +\\? absent"
tui_keys C-c
check "quit (C locale)" tui_wait "VIGIE-EXIT:0"

finish
