#!/bin/sh
# TUI: create a patient from the search, with validation messages (NIR key, date, COG), then
# edit it; everything audited.
. "${SRCDIR:-.}/tests/lib.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"

tui_start xterm-256color "$VIGIE" --db "$DB" --user secretariat
check "search screen" tui_wait "Recherche de patient"
tui_text "dupond marie 12/03/1980"
check "nothing found offers creation" tui_wait "Aucun patient — F2 ou C-o : créer"
tui_keys F2
check "creation form prefilled with the name" tui_wait "Nom de naissance \* +DUPOND"
check "prefilled birth date" tui_wait "Date de naissance \* +12/03/1980"
check "prefilled first name" tui_wait "Premier prénom \* +Marie"
tui_keys C-s
check "missing sex refused with a message" tui_wait "« Sexe \(F/M/I\) » est obligatoire"
check "focus moved to the sex field" tui_wait "^>Sexe"
tui_text "F"
tui_keys Tab Tab
tui_text "20004"
tui_keys Tab
check "Corsica code 20 refused" tui_wait "pour la Corse, utiliser 2A \\(Corse-du-Sud\\)"
tui_keys BTab C-u
tui_text "63113"
tui_keys Tab
tui_text "2 80 03 63 113 001 99"
tui_keys C-s
check "wrong NIR key refused, expected key given" tui_wait "NIR : clé incorrecte \(attendue [0-9][0-9]\)"
key=$(tui_screen | sed -n 's/.*attendue \([0-9][0-9]\).*/\1/p' | head -n 1)
tui_keys C-u
tui_text "2 80 03 63 113 001 $key"
tui_keys C-s
check "saved: the new dossier opens" tui_wait "Dossier — DUPOND Marie"
check "status provisoire shown" tui_wait "\[PROV\] Identité : Provisoire"
check "NIR shown grouped" tui_wait "NIR : 2 80 03 63 113 001 $key"
# Edit: used name, then a document seen raises the status to validée.
tui_text "m"
check "edit form" tui_wait "Modifier le patient — DUPOND Marie"
tui_keys Tab
tui_text "Lefèvre"
tui_keys Down Down Down Down Down Down Down Down
tui_text "CN"
tui_keys C-s
check "used name shown first, birth name in brackets" tui_wait "Dossier — LEFÈVRE \(DUPOND\) Marie"
check "identity validée after an ID card was seen" tui_wait "\[VALI\] Identité : Validée"
# A note
tui_text "a"
check "note prompt" tui_wait "Note"
tui_text "Allergie pénicilline ?"
tui_keys Enter
check "note listed with date and author" tui_wait "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5} secretariat : Allergie pénicilline \?"
# Letters are text in a form, "q" included (it quits only outside text fields).
tui_text "m"
check "edit form for a used first name" tui_wait "Modifier le patient"
tui_keys Down Down Down Down
check "focus on the used first name" tui_wait "^>Prénom utilisé"
tui_text "Quitterie"
check "q typed as text" tui_wait "Prénom utilisé +Quitterie"
tui_keys C-s
check "used first name shown" tui_wait "Dossier — LEFÈVRE \(DUPOND\) Quitterie"

# Another session saves this dossier while the form is open: nothing is overwritten, the
# dossier is re-read, what was typed here is kept, and the next save goes through.
tui_text "m"
check "edit form before the other session's change" tui_wait "Modifier le patient"
sqlite3 "$DB" "UPDATE patients SET phone = '04 65 71 99 99', version = version + 1 WHERE birth_name = 'DUPOND'"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do tui_keys Down; done
check "focus on the mobile" tui_wait "^>Portable"
tui_text "06 39 98 00 01"
tui_keys C-s
check "conflict said, dossier re-read" tui_wait "Modifié sur un autre poste"
check "the other session's phone is shown" tui_wait "Téléphone +04 65 71 99 99"
check "what was typed here is kept" tui_wait "Portable +06 39 98 00 01"
tui_keys C-s
check "second save goes through" tui_wait "Dossier enregistré"
both=$(sqlite3 "$DB" "SELECT phone || '|' || mobile FROM patients WHERE birth_name = 'DUPOND'")
check "both changes in the base" [ "$both" = "04 65 71 99 99|06 39 98 00 01" ]

# Douteuse on a validée identity: demoted to provisoire, validation removed (RNIV).
tui_text "m"
check "edit form again" tui_wait "Modifier le patient"
for i in 1 2 3 4 5 6 7 8 9 10 11; do tui_keys Down; done
check "focus on douteuse" tui_wait "^>Identité douteuse"
tui_keys C-u
tui_text "o"
tui_keys C-s
check "douteuse demotes to provisoire with a warning" tui_wait "statut ramené à provisoire"
check "banner shows provisoire and the attribute" tui_wait "\[PROV\] Identité : Provisoire +!douteuse"
# Quitting from a modified form asks, and "o" really quits.
tui_text "m"
tui_keys Tab
tui_text "X"
tui_keys C-c
check "quit from a modified form asks first" tui_wait "Quitter Vigie sans enregistrer"
tui_text "o"
check "quit" tui_wait "VIGIE-EXIT:0"

row=$("$VIGIE" patient search "lefevre marie" --db "$DB")
check "found by used name without accent" sh -c "echo '$row' | grep -q 'DUPOND	LEFÈVRE	Marie	F	12/03/1980	provisoire'"
check "found by used first name" sh -c "'$VIGIE' patient search quitterie --db '$DB' | grep -q DUPOND"
n=$(sqlite3 "$DB" "SELECT count(*) FROM audit a JOIN patients p ON p.id = a.entity_id WHERE p.birth_name = 'DUPOND' AND a.who = 'secretariat' AND a.action IN ('patient.create', 'patient.update', 'patient.note')")
check "creation, 4 edits and note audited (6 rows)" [ "$n" = 6 ]
before=$(sqlite3 "$DB" "SELECT before FROM audit WHERE action = 'patient.update' ORDER BY id LIMIT 1")
check "audit keeps the values before the edit" sh -c "echo '$before' | grep -q '\"statut\":\"provisoire\"'"
after=$(sqlite3 "$DB" "SELECT after FROM audit WHERE action = 'patient.update' ORDER BY id DESC LIMIT 1")
check "audit of the demotion" sh -c "echo '$after' | grep -q '\"statut\":\"provisoire\",\"attributs\":\"douteuse\",\"mode_validation\":\"\"'"

finish
