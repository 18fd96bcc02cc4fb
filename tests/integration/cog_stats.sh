#!/bin/sh
# COG and INS indicators from the command line: init loads the demo COG subset, cog show/find,
# an INSEE-shaped import, malformed imports (French message, previous set kept), stats ins.
. "${SRCDIR:-.}/tests/lib.sh"

DB="$TMP/cabinet.db"
out="$TMP/out"
err="$TMP/err"

# --- the demo subset, loaded by init --------------------------------------------------------
"$VIGIE" init --db "$DB" --demo >"$out" 2>"$err"
check "init loads the demo COG subset" grep -q "Table COG de démonstration chargée" "$out"
"$VIGIE" init --db "$DB" >"$out" 2>&1
check "init again: the COG is not reloaded" sh -c "! grep -q 'Table COG' '$out'"
"$VIGIE" cog source --db "$DB" >"$out"
check "cog source: demo" grep -qx "source: demo" "$out"

"$VIGIE" cog show 63220 --db "$DB" >"$out"
check "63220 (test identities) is Mazoires" grep -qx "nom: Mazoires" "$out"
check "show prints key: value lines" sh -c "grep -qx 'code: 63220' '$out' && \
	grep -qx 'type: commune' '$out' && grep -qx 'statut: valide' '$out' && \
	grep -qx 'valide_du: ' '$out' && grep -qx 'valide_au: ' '$out' && grep -qx 'successeur: ' '$out'"
"$VIGIE" cog show 2A004 --date 1960-05-01 --db "$DB" >"$out"
check "2A004 in 1960: not yet in use, 20004 then" sh -c "grep -qx 'statut: pas encore en vigueur' '$out' \
	&& grep -qx 'code_a_la_date: 20004' '$out'"
"$VIGIE" cog show 20004 --db "$DB" >"$out"
check "20004 today: ended, successor 2A004" sh -c "grep -qx 'statut: ancien' '$out' && \
	grep -qx 'valide_au: 1976-01-01' '$out' && grep -q '^successeur: 2A004 Ajaccio (1976-01-01)$' '$out'"
"$VIGIE" cog show 63068 --db "$DB" >"$out"
check "merged commune: successor through movements" \
	grep -qx "successeur: 63244 Chambaron sur Morge (2016-01-01)" "$out"
"$VIGIE" cog show 99352 --date 1978-10-05 --db "$DB" >"$out"
check "country: Algérie" sh -c "grep -qx 'nom: Algérie' '$out' && grep -qx 'type: pays ou territoire' '$out'"
"$VIGIE" cog show 99999 --db "$DB" >"$out"
check "99999: unknown birth place" grep -qx "nom: Lieu de naissance inconnu" "$out"
"$VIGIE" cog show 2A020 --db "$DB" >"$out" 2>"$err"
check "2A020: absent, exit 1, French message" sh -c "[ $? -eq 1 ] && grep -q 'absent de la table' '$err'"
"$VIGIE" cog show 63113 --date 31/12/1975 --db "$DB" >"$out" 2>"$err"
check "date in the wrong format refused" sh -c "[ $? -eq 1 ] && grep -q 'AAAA-MM-JJ' '$err'"
"$VIGIE" cog show --db "$DB" >"$out" 2>"$err"
check "show without a code: usage, exit 2" sh -c "[ $? -eq 2 ] && grep -q 'Usage' '$err'"

"$VIGIE" cog find st flour --db "$DB" >"$out"
check "find 'st flour': tab-separated rows" grep -qP '^15187\tSaint-Flour\tcommune\t\t\tvalide$' "$out"
check "find 'st flour': 3 rows, the old name last" sh -c "[ \$(wc -l <'$out') = 3 ] && \
	tail -n 1 '$out' | grep -qP '^63343\tSaint-Flour\t.*\tancien$'"
"$VIGIE" cog find ajaccio --date 1960-01-01 --db "$DB" >"$out"
check "find at a date: the code of the time first" sh -c "head -n 1 '$out' | grep -qP '^20004\t'"
"$VIGIE" cog find zzz --db "$DB" >"$out" 2>"$err"
check "find with no result: exit 1 and a message" sh -c "[ $? -eq 1 ] && grep -q 'aucun lieu' '$err'"

# --- an INSEE-shaped bundle (yearly file names, CRLF) replaces the set -----------------------
bundle="$TMP/cog2031"
mkdir -p "$bundle"
printf '"TYPECOM","COM","TNCC","NCC","NCCENR","LIBELLE","DATE_DEBUT","DATE_FIN"\r\n"COM","63113","0","CLERMONT FERRAND","Clermont-Ferrand","Clermont-Ferrand","1943-01-01",""\r\n' \
	>"$bundle/v_commune_depuis_1943.csv"
printf '"COG","ACTUAL","CRPAY","ANI","LIBCOG","LIBENR","CODEISO2","CODEISO3","CODENUM3"\r\n"99350","1","","","Maroc","Royaume du Maroc","MA","MAR","504"\r\n' \
	>"$bundle/v_pays_territoire_2031.csv"
printf '"MOD","DATE_EFF","TYPECOM_AV","COM_AV","TNCC_AV","NCC_AV","NCCENR_AV","LIBELLE_AV","TYPECOM_AP","COM_AP","TNCC_AP","NCC_AP","NCCENR_AP","LIBELLE_AP"\r\n' \
	>"$bundle/v_mvt_commune_2031.csv"
"$VIGIE" cog import "$bundle" --db "$DB" >"$out" 2>"$err"
check "import of an INSEE bundle" grep -q "Table COG importée (INSEE 2031) : 1 communes, 1 pays" "$out"
check "the demo rows are replaced" sh -c "! '$VIGIE' cog show 63220 --db '$DB' >/dev/null 2>&1"
check "the import is in the audit trail" sh -c "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM audit WHERE action = 'cog.import'\") = 2 ]"

# --- malformed files: French message with file:line, the previous set kept -------------------
bad="$TMP/bad"
cp -r "$bundle" "$bad"
printf '"COM","63220","0","MAZOIRES","Mazoires","Mazoires","1943-01-01","hier"\r\n' \
	>>"$bad/v_commune_depuis_1943.csv"
"$VIGIE" cog import "$bad" --db "$DB" >"$out" 2>"$err"
check "malformed row: exit 1" [ $? -eq 1 ]
check "malformed row: file, line and reason in French" \
	grep -q "v_commune_depuis_1943.csv:3 : date de fin « hier » invalide" "$err"
check "malformed row: previous set kept" sh -c "'$VIGIE' cog source --db '$DB' | grep -qx 'source: INSEE 2031' \
	&& '$VIGIE' cog show 63113 --db '$DB' | grep -qx 'nom: Clermont-Ferrand' \
	&& ! '$VIGIE' cog show 63220 --db '$DB' >/dev/null 2>&1"
printf '"COM","NOM"\n"63113","X"\n' >"$bad/v_commune_depuis_1943.csv"
"$VIGIE" cog import "$bad" --db "$DB" >"$out" 2>"$err"
check "unexpected header: the missing column is named" grep -q "colonne « LIBELLE » absente" "$err"
rm "$bad/v_mvt_commune_2031.csv"
"$VIGIE" cog import "$bad" --db "$DB" >"$out" 2>"$err"
check "missing file named" grep -q "v_mvt_commune_AAAA.csv introuvable" "$err"
"$VIGIE" cog import "$TMP/nowhere" --db "$DB" >"$out" 2>"$err"
check "missing directory: message" grep -q "illisible" "$err"

# --- stats ins on a demo base, after identities changed the way the app writes them ----------
S="$TMP/stats.db"
"$VIGIE" init --db "$S" --demo --user accueil >/dev/null 2>&1
demo_n=$(sqlite3 "$S" "SELECT count(*) FROM patients")
demo_recup=$(sqlite3 "$S" "SELECT count(*) FROM patients WHERE id_status = 'recuperee'")
demo_qual=$(sqlite3 "$S" "SELECT count(*) FROM patients WHERE id_status = 'qualifiee'")
# drdupont, in June 2021: creates two dossiers, brings one to récupérée then qualifiée, and
# makes three INSi calls (two 00, one failed); a note only must not count.
sqlite3 "$S" <<'EOF'
INSERT INTO patients (id, birth_name, first_name, sex, birth_date, created_at, updated_at)
	VALUES (9001, 'ESSAI', 'UN', 'F', '1980-01-01', '2021-06-10T09:00:00Z', '2021-06-10T09:00:00Z'),
	       (9002, 'ESSAI', 'DEUX', 'M', '1981-01-01', '2021-06-10T09:05:00Z', '2021-06-10T09:05:00Z');
INSERT INTO audit (at, who, action, entity, entity_id, before, after, detail) VALUES
 ('2021-06-10T09:00:00Z', 'drdupont', 'patient.create', 'patient', 9001, NULL,
  '{"nom_naissance":"ESSAI","premier_prenom":"UN","statut":"provisoire"}', NULL),
 ('2021-06-10T09:05:00Z', 'drdupont', 'patient.create', 'patient', 9002, NULL,
  '{"nom_naissance":"ESSAI","premier_prenom":"DEUX","statut":"provisoire"}', NULL),
 ('2021-06-11T10:00:00Z', 'drdupont', 'insi-appel', 'patient', 9001, NULL, NULL,
  '{"operation":"rechercherInsAvecTraitsIdentite","cr":"00","duree_ms":120,"lieu":false}'),
 ('2021-06-11T10:00:01Z', 'drdupont', 'ins.recuperation', 'patient', 9001,
  '{"matricule_ins":"","statut":"provisoire"}', '{"matricule_ins":"280016322012345","statut":"recuperee"}',
  '{"reponse":1}'),
 ('2021-06-12T10:00:00Z', 'drdupont', 'ins.qualification', 'patient', 9001,
  '{"statut":"recuperee","mode_validation":""}', '{"statut":"qualifiee","mode_validation":"CN"}', NULL),
 ('2021-06-12T11:00:00Z', 'drdupont', 'insi-appel', 'patient', 9002, NULL, NULL,
  '{"operation":"rechercherInsAvecTraitsIdentite","cr":"00"}'),
 ('2021-06-12T11:01:00Z', 'drdupont', 'insi-appel', 'patient', 9002, NULL, NULL,
  '{"operation":"rechercherInsAvecTraitsIdentite","cr":"","erreur":"insi_102"}'),
 ('2021-06-13T08:00:00Z', 'drdupont', 'patient.note', 'patient', 9002, NULL, '{"note":"x"}', NULL);
UPDATE patients SET id_status = 'qualifiee', ins_matricule = '280016322012345',
	validation_mode = 'CN' WHERE id = 9001;
EOF
n=$((demo_n + 2))
q=$((demo_qual + 1))
tenths=$(( (q * 1000 + n / 2) / n ))
taux="$((tenths / 10)),$((tenths % 10)) %"

"$VIGIE" stats ins --db "$S" >"$out" 2>"$err"
check "stats ins: exit 0" [ $? -eq 0 ]
check "stats: patients = rows of the base ($n)" grep -qx "patients: $n" "$out"
check "stats: qualifiées counted ($q)" grep -q "^statut_qualifiee: $q (" "$out"
check "stats: récupérées counted ($demo_recup)" grep -q "^statut_recuperee: $demo_recup (" "$out"
check "stats: qualification rate ($taux)" grep -qx "taux_qualification: $taux" "$out"
check "stats: the four statuses sum to the patients" sh -c "[ \$(sed -n 's/^statut_[a-z]*: \([0-9]*\) .*/\1/p' '$out' | awk '{s+=\$1} END {print s}') = $n ]"
check "stats: the demo loader's work" grep -qx "utilisateur accueil: crees=$demo_n recuperees=$demo_recup qualifiees=$demo_qual" "$out"
check "stats: drdupont's work" grep -qx "utilisateur drdupont: crees=2 recuperees=1 qualifiees=1" "$out"
check "stats: INSi calls per CR" sh -c "grep -qx 'insi_appels: 3' '$out' && \
	grep -qx 'insi_appels_00: 2' '$out' && grep -qx 'insi_appels_erreur: 1' '$out'"

"$VIGIE" stats ins --from 2021-06-01 --to 2021-06-30 --db "$S" >"$out" 2>"$err"
check "stats June 2021: only drdupont" sh -c "grep -qx 'utilisateur drdupont: crees=2 recuperees=1 qualifiees=1' '$out' \
	&& ! grep -q '^utilisateur accueil' '$out' && grep -qx 'periode_du: 2021-06-01' '$out'"
"$VIGIE" stats ins --from 2021-06-12 --to 2021-06-12 --db "$S" >"$out" 2>"$err"
check "stats one day: bounds included" sh -c "grep -qx 'utilisateur drdupont: crees=0 recuperees=0 qualifiees=1' '$out' \
	&& grep -qx 'insi_appels: 2' '$out'"
"$VIGIE" stats ins --from 2021-13-01 --db "$S" >"$out" 2>"$err"
check "stats: bad date, exit 2, French" sh -c "[ $? -eq 2 ] && grep -q 'Date de début' '$err'"
"$VIGIE" stats --db "$S" >"$out" 2>"$err"
check "stats without ins: usage" sh -c "[ $? -eq 2 ] && grep -q 'vigie stats ins' '$err'"

finish
