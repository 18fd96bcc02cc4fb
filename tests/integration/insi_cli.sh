#!/bin/sh
# vigie insi search against vigie-sim over mutual TLS: CR 00/01/02, Corsica, NIA, history, key
# anomaly, every injected fault, TLS errors, and traits refused before any call.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

out="$TMP/out"
err="$TMP/err"

sim_start --client-ca "$TMP/certs/ca.pem" || { echo "insi_cli: 0 passed, 1 failed"; exit 1; }

search() { # search [--conf FILE] ARGS...: vigie insi search; exit status in $rc
	local conf="$TMP/vigie.conf"
	if [ "$1" = --conf ]; then conf=$2; shift 2; fi
	"$VIGIE" --config "$conf" insi search "$@" >"$out" 2>"$err"
	rc=$?
}
has() { grep -qxF -- "$1" "$out" || { echo "--- missing line: $1"; cat "$out" "$err"; return 1; }; }
has_re() { grep -qE -- "$1" "$out" || { echo "--- no line matching: $1"; cat "$out" "$err"; return 1; }; }
adrun() { search "$@" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31; }
requests() { sim_stat insi_requests; }
fault_is() { [ "$rc" -eq 1 ] && has "erreur: $1" && grep -qF -- "message: $2" "$out"; }

# --- answers --------------------------------------------------------------------------------
search --nom adrun --prenom Zoé --sexe f --naissance 1975-12-31
check "00: exit 0" [ "$rc" -eq 0 ]
check "00: typed traits normalised (adrun/Zoé/f)" has "cr: 00"
check "00: matricule and key" sh -c "grep -qx 'matricule: 2751263220749' '$out' && grep -qx 'cle: 74' '$out'"
check "00: key verified, NIR, no history" sh -c "grep -qx 'cle_valide: oui' '$out' && grep -qx 'type: NIR' '$out' && grep -qx 'historique: 0' '$out'"
check "00: traits" sh -c "grep -qx 'prenom: ZOE' '$out' && grep -qx 'date_naissance: 1975-12-31' '$out' && grep -qx 'lieu_naissance: 63220' '$out'"
check "sim saw the normalised traits" grep -q "RECSANSVITALE ADRUN/ZOE/F/1975-12-31/- 00" "$TMP/sim.log"

search --nom HOUILLES --prenom PAUL --sexe M --naissance 1993-01-27
check "01: exit 0 and CR" sh -c "[ $rc -eq 0 ] && grep -qx 'cr: 01' '$out' && ! grep -q matricule '$out'"

search --nom "DE VINCI" --prenom LEONARDO --sexe M --naissance 2014-02-01
check "02 without the birth place" sh -c "[ $rc -eq 0 ] && grep -qx 'cr: 02' '$out'"
search --nom "DE VINCI" --prenom LEONARDO --sexe M --naissance 2014-02-01 --lieu 63113
check "00 once the birth place is given" has "matricule: 1140263113015"

search --nom ADRTROIS --prenom DOMINIQUE --sexe F --naissance 1997-02-26
check "Corsica 2A: key verified with 2A -> 19" sh -c "grep -qx 'matricule: 297022A020778' '$out' && grep -qx 'cle_valide: oui' '$out' && grep -qx 'lieu_naissance: 2A020' '$out'"

search --nom PROVISOIRE --prenom MATRICULE --sexe M --naissance 2009-07-01
check "NIA: OID .9 shown as NIA" sh -c "grep -qx 'oid: 1.2.250.1.213.1.4.9' '$out' && grep -qx 'type: NIA' '$out'"

search --nom ECETINSI --prenom PIERRE-ALAIN --sexe M --naissance 2009-07-14
check "history: two INSHISTO" has "historique: 2"
check "history: dates kept" has_re "^historique_[12]: 209076322083439 1\.2\.250\.1\.213\.1\.4\.8 2019-03-01 2019-02-28 cle_valide=oui$"
check "history: second entry" has_re "^historique_[12]: 209066322012355 1\.2\.250\.1\.213\.1\.4\.8 .* cle_valide=oui$"
check "first first name from the list" has "prenom: PIERRE-ALAIN"

search --nom HERMANN --prenom GATIEN --sexe M --naissance 1981-03-24
check "HERMANN: keys that fail are flagged" sh -c "[ $rc -eq 0 ] && grep -qx 'cle_valide: non' '$out' && grep -qx 'anomalie: cle' '$out'"

search --nom "D'ARTAGNAN DE L'HERAULT" --prenom PIERRE-ALAIN --sexe M --naissance 2001-06-17
check "apostrophes travel escaped and come back" has "nom_naissance: D'ARTAGNAN DE L'HERAULT"

search --nom VANDERMONDE --prenom ARIANA --sexe F --naissance 1995-06-17
check "identity answered by a fault: exit 1, code" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: insi_102' '$out'"

# --- injected faults ------------------------------------------------------------------------
sim_fault delay:400
adrun
check "delay shorter than the timeout: answer" sh -c "[ $rc -eq 0 ] && grep -qx 'cr: 00' '$out'"

sim_fault http500
adrun
check "http500: HTTP error in French" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: http' '$out' && grep -qx 'http: 500' '$out' && grep -q '^message: Le service INSi a répondu par une erreur HTTP 500' '$out'"

for spec in "insi_102:Erreur technique du service INSi" \
	"desir_550:Logiciel non autorisé à appeler INSi" \
	"DESIR_560:Niveau d'accès insuffisant" \
	"desir_1020:Service INSi momentanément indisponible" \
	"insi_24:Format du sexe incorrect"; do
	code=${spec%%:*}
	sim_fault "soap:$code"
	adrun
	check "soap:$code: code and French explanation" fault_is "$code" "${spec#*:}"
done

sim_fault malformed
adrun
check "malformed: refused as a bad answer" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: reponse_invalide' '$out' && grep -q 'mal formée ou tronquée' '$out'"

sim_fault reset
adrun
check "reset: connection error" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: connexion' '$out' && grep -q 'Service INSi injoignable' '$out'"

sim_fault hang
sed 's/^\[insi\]$/[insi]\ndelai_total = 1/' "$TMP/vigie.conf" >"$TMP/short.conf"
start=$(date +%s)
search --conf "$TMP/short.conf" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
took=$(($(date +%s) - start))
check "hang: timeout after delai_total" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: delai' '$out' && grep -qx \"message: Délai dépassé : le service INSi n'a pas répondu en 1 s\" '$out'"
check "hang: gave up quickly (${took} s)" [ "$took" -le 4 ]
sim_fault none

# --- TLS and configuration ------------------------------------------------------------------
sh "$SRCDIR/scripts/make-certs.sh" "$TMP/other" >/dev/null 2>&1
sed "s|^ca = .*|ca = $TMP/other/ca.pem|" "$TMP/vigie.conf" >"$TMP/wrongca.conf"
search --conf "$TMP/wrongca.conf" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
check "unknown server CA: certificate message" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: tls' '$out' && grep -q '^message: Certificat du serveur INSi non reconnu' '$out'"

grep -v '^certificat\|^cle ' "$TMP/vigie.conf" >"$TMP/nocert.conf"
search --conf "$TMP/nocert.conf" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
# The simulator's refusal is a TLS alert, unless its reset overtakes it on a loaded machine.
check "no client certificate: TLS refusal" sh -c "[ $rc -eq 1 ] && { grep -qx 'erreur: tls' '$out' || grep -q 'aucun certificat client' '$out'; }"

sed "s|^certificat = .*|certificat = $TMP/certs/client.p12|; s|^cle = .*|mot_de_passe = vigie|" \
	"$TMP/vigie.conf" >"$TMP/p12.conf"
search --conf "$TMP/p12.conf" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
check "PKCS#12 client certificate" sh -c "[ $rc -eq 0 ] && grep -qx 'cr: 00' '$out'"

sed "s|^adresse = .*|adresse = https://localhost:1/lps|" "$TMP/vigie.conf" >"$TMP/dead.conf"
search --conf "$TMP/dead.conf" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
check "nobody listening: connection refused" sh -c "[ $rc -eq 1 ] && grep -qx 'message: Service INSi injoignable (connexion refusée)' '$out'"
search --conf "$TMP/dead.conf" --endpoint "$SIM_URL" --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
check "--endpoint overrides the configured address" sh -c "[ $rc -eq 0 ] && grep -qx 'cr: 00' '$out'"
adrun --endpoint "http://localhost:$SIM_PORT/lps"
check "plain http refused" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: configuration' '$out' && grep -q 'seul https:// est accepté' '$out'"

# --- refused before any call ----------------------------------------------------------------
before=$(requests)
search --nom "D'ÆION" --prenom "CŒUR" --sexe I --naissance 1987-01-01
check "sex I: refused, explained" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: saisie' '$out' && grep -q 'ne connaît que F et M' '$out'"
search --nom "D'ÆION2" --prenom "CŒUR" --sexe M --naissance 1987-01-01
check "name that cannot be normalised: refused" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: saisie' '$out' && grep -q 'aucun appel INSi' '$out'"
search --nom "D'ÆION" --prenom "CŒUR" --sexe M --naissance 1987-31-01
check "bad date: refused" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: saisie' '$out'"
search --nom "D'ÆION" --prenom "CŒUR" --sexe M --naissance 1987-01-01 --lieu 2C020
check "bad COG: refused" sh -c "[ $rc -eq 1 ] && grep -qx 'erreur: saisie' '$out'"
search --nom "D'ÆION" --prenom "CŒUR" --sexe M
check "missing option: usage error 2" sh -c "[ $rc -eq 2 ] && grep -q 'obligatoires' '$err'"
check "no request reached the simulator" [ "$(requests)" = "$before" ]
# The ligatures themselves are expanded (PROTOCOLS.md: Æ→AE, Œ→OE), never sent as such.
search --nom "D'ÆION" --prenom "CŒUR" --sexe M --naissance 1987-01-01
check "D'ÆION CŒUR goes out as D'AEION COEUR" grep -q "RECSANSVITALE D'AEION/COEUR/M/1987-01-01/- " "$TMP/sim.log"
check "no ligature ever reached the simulator" sh -c "! grep -q 'Æ\|Œ' '$TMP/sim.log'"

# --- parse ----------------------------------------------------------------------------------
"$VIGIE" insi parse "$SRCDIR/tests/data/insi/cr00_ecetinsi_histo.xml" >"$out" 2>"$err"
check "parse: saved answer, exit 0" sh -c "[ $? -eq 0 ] && grep -qx 'historique: 2' '$out'"
"$VIGIE" insi parse "$SRCDIR/tests/data/insi/bad_xxe.xml" >"$out" 2>"$err"
check "parse: XXE refused, exit 1" sh -c "[ $? -eq 1 ] && grep -qx 'erreur: reponse_invalide' '$out' && ! grep -q root: '$out'"
"$VIGIE" insi parse "$SRCDIR/tests/data/insi/fault_desir_550.xml" >"$out" 2>"$err"
check "parse: fault printed on stdout, exit 1" sh -c "[ $? -eq 1 ] && grep -qx 'erreur: desir_550' '$out' && grep -qx 'sous_code: siram_100' '$out'"
"$VIGIE" insi parse "$TMP/nope.xml" >"$out" 2>"$err"
check "parse: missing file" sh -c "[ $? -eq 1 ] && grep -q 'fichier illisible' '$err'"

finish
