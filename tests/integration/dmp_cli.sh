#!/bin/sh
# vigie dica / vigie dmp against vigie-sim: the DICA checklist in every situation (no consent,
# INS not qualified, closed DMP, blocked professional, not authenticated, all green), no DMP
# request without consent (the simulator's log is read), authorisation after consent, the
# document list with invisible ones, integrating twice stores once, faults and hostile answers.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"
# The simulated e-CPS app approves quickly.
sim_start --fault ciba=approve:300,interval:1 || { echo "dmp_cli: 0 passed, 1 failed"; exit 1; }
CONF="$TMP/vigie.conf"
out="$TMP/out"
err="$TMP/err"
q() { sqlite3 "$DB" "$1"; }
v() { "$VIGIE" --config "$CONF" --db "$DB" --user jmartin "$@" >"$out" 2>"$err"; rc=$?; }
has() { grep -qxF -- "$1" "$out" || { echo "--- missing line: $1"; cat "$out" "$err"; return 1; }; }
has_re() { grep -qE -- "$1" "$out" || { echo "--- no line matching: $1"; cat "$out" "$err"; return 1; }; }
dmp_lines() { grep -c ' dmp ' "$TMP/sim.log"; }

CHLOE=288046311341243     # DMP active, authorisation valid, documents (one invisible)
JULIEN=186090331012749    # DMP active, no authorisation yet
JOSE=162039913404717      # DMP closed
KARIM=178109935231605     # this professional blocked by the patient
ADRUN=$(q "SELECT id FROM patients WHERE birth_name = 'ADRUN'")   # provisoire, no INS

# --- without consent or authentication nothing is sent ------------------------------------
v dica "$CHLOE"
check "dica: exit 0" [ "$rc" -eq 0 ]
check "dica: consent not recorded" has "c: ko"
check "dica: not authenticated" has "a: ko"
check "dica: remedy to sign in" has "a_remede: connexion"
check "dica: INS qualified" has "i: ok"
check "dica: DMP unknown (not asked)" has "d: inconnu"
check "dica: not consultable" has "consultation_possible: non"
v dica "$ADRUN"
check "dica: provisoire identity has no qualified INS" has "i: ko"
check "dica: remedy is to qualify the INS" has "i_remede: qualifier-ins"
v dica "$CHLOE" --connexion
check "signed in by CIBA (code on stderr)" grep -q "validez le code [0-9][0-9]" "$err"
check "authenticated through Pro Santé Connect" has_re "^authentifie: .*MARTIN"
check "still no consent: c ko" has "c: ko"
check "no DMP request reached the simulator without consent" [ "$(dmp_lines)" -eq 0 ]
v dmp status "$CHLOE"
check "dmp status refused without consent" [ "$rc" -eq 1 ]
check "the reason is the consent" has_re "^message: DMP non interrogé : .*onsentement"
check "still no DMP request in the simulator's log" [ "$(dmp_lines)" -eq 0 ]

# --- consent, then all green ----------------------------------------------------------------
v dmp consent "$CHLOE" --informe oui --consultation oui
check "consent recorded" sh -c "grep -qx 'consentement_consultation: oui' '$out' && grep -qx 'informe: oui' '$out'"
check "consent changes audited" [ "$(q "SELECT count(*) FROM audit WHERE action LIKE 'dmp.consent%' AND who = 'jmartin'")" -ge 2 ]
v dica "$CHLOE" --connexion
check "all green: D" has "d: ok"
check "all green: I C A" sh -c "grep -qx 'i: ok' '$out' && grep -qx 'c: ok' '$out' && grep -qx 'a: ok' '$out'"
check "all green: consultable" has "consultation_possible: oui"
check "TD0.2 then TD3.1 reached the simulator" sh -c "grep -q ' dmp td0.2 $CHLOE' '$TMP/sim.log' && grep -q ' dmp td3.1 $CHLOE' '$TMP/sim.log'"
check "each DMP call traced in the audit" [ "$(q "SELECT count(*) FROM audit WHERE action = 'dmp-appel'")" -ge 2 ]
v dmp list "$CHLOE" --hors-ligne
check "documents listed (header + rows)" [ "$(wc -l <"$out")" -ge 4 ]
check "a document invisible to the patient is marked" sh -c "cut -f3 '$out' | grep -qx oui"
check "documents are new before the first visit" sh -c "cut -f2 '$out' | grep -qx oui"
v dmp status "$CHLOE"
check "status: active, authorisation valid" sh -c "grep -qx 'dmp: actif' '$out' && grep -qx 'autorisation: valide' '$out'"
check "status: new documents counted, invisible apart" has_re "^nouveaux_invisibles_patient: [1-9]"

# --- integration: twice stores once ---------------------------------------------------------
v dmp integrate "$CHLOE" --tous
check "integrate all: exit 0" [ "$rc" -eq 0 ]
check "integrated" has_re "^message: [1-9][0-9]* document\(s\) intégré\(s\)"
n1=$(q "SELECT count(*) FROM documents WHERE provenance = 'DMP'")
check "documents stored with provenance DMP" [ "$n1" -ge 3 ]
check "originals kept (bytes and SHA-1)" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'DMP' AND length(original) > 0 AND length(sha1) = 40")" = "$n1" ]
check "PDF text extracted for the viewer" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'DMP' AND length(text) > 20")" -ge 1 ]
v dmp integrate "$CHLOE" --tous
check "integrating again stores nothing new" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'DMP'")" = "$n1" ]
check "said already present" has_re "0 document\(s\) intégré\(s\) au dossier, [1-9][0-9]* déjà présent"

# --- closed, blocked, no authorisation ------------------------------------------------------
for p in "$JOSE" "$KARIM" "$JULIEN"; do
	"$VIGIE" --config "$CONF" --db "$DB" --user jmartin dmp consent "$p" --consultation oui >/dev/null
done
v dica "$JOSE" --connexion
check "closed DMP: D ko" has "d: ko"
check "closed DMP: date and reason" has_re "^d_raison: .*ferm.*2025"
v dica "$KARIM" --connexion
check "blocked professional: D ko" has "d: ko"
check "blocked professional: said so" has_re "^d_raison: .*bloqu"
check "blocked professional: no document query sent" sh -c "! grep -q ' dmp td3.1 $KARIM' '$TMP/sim.log'"
v dica "$JULIEN" --connexion
check "no authorisation: D ko with the remedy to declare it" sh -c "grep -qx 'd: ko' '$out' && grep -qx 'd_remede: autoriser' '$out'"
v dmp authorize "$JULIEN"
check "authorisation declared (TD0.3)" sh -c "[ $rc -eq 0 ] && grep -q ' dmp td0.3 $JULIEN' '$TMP/sim.log'"
v dica "$JULIEN" --connexion
check "after TD0.3: D ok" has "d: ok"
# A row number of the list of another dossier (Chloé's) is refused before any request.
row=$(q "SELECT min(d.id) FROM dmp_docs d JOIN patients p ON p.id = d.patient_id WHERE p.ins_matricule = '$CHLOE'")
v dmp integrate "$JULIEN" "$row"
check "another dossier's list entry: exit 1, said so" sh -c "[ $rc -eq 1 ] && grep -q 'pas celui de ce patient' '$out'"
check "another dossier's list entry: no TD3.2 sent, nothing stored" sh -c "! grep -q ' dmp td3.2 $JULIEN' '$TMP/sim.log' && [ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM documents d JOIN patients p ON p.id = d.patient_id WHERE p.ins_matricule = '$JULIEN'\")\" = 0 ]"

# --- faults and hostile answers -------------------------------------------------------------
sim_fault dmp=http500
v dmp status "$CHLOE"
check "HTTP 500: exit 1 with a French message" sh -c "[ $rc -eq 1 ] && grep -q '^message: .*DMP' '$out'"
v dica "$CHLOE"
check "service down: D ko with the weather remedy" sh -c "grep -qx 'd: ko' '$out' && grep -qx 'd_remede: meteo' '$out'"
sim_fault dmp=wrongpatient
before=$(q "SELECT count(*) FROM dmp_docs")
v dmp list "$CHLOE"
check "an answer about another patient is refused" sh -c "[ $rc -eq 1 ] && grep -qi 'autre patient' '$out'"
check "nothing from it kept" [ "$(q "SELECT count(*) FROM dmp_docs")" = "$before" ]
sim_fault dmp=none
q "DELETE FROM documents"
sim_fault dmp=badhash
v dmp integrate "$CHLOE" --tous
check "hash or size mismatch: nothing integrated" sh -c "[ $rc -eq 1 ] && [ \"\$(sqlite3 '$DB' 'SELECT count(*) FROM documents')\" = 0 ]"
check "mismatch said in French" grep -qi "empreinte\|ne correspond pas" "$out"
sim_fault dmp=none
sim_fault ciba=deny
v dica "$CHLOE" --connexion
check "sign-in refused on the e-CPS app: exit 1" [ "$rc" -eq 1 ]
check "refusal said in French" grep -qi "refus" "$err"

# --- bris de glace ----------------------------------------------------------------------------
sim_fault ciba=approve:300,interval:1
PAOLI=181082A00413396    # authorisation expired, no consent
v dmp consent "$PAOLI" --bris-de-glace
check "bris de glace recorded with its end" has_re "^bris_de_glace_jusqu_a: 20[0-9-]+T"
v dica "$PAOLI" --connexion
check "bris de glace: C ok without consent" has "c: ok"
check "bris de glace shown" has_re "^bris_de_glace: 20"
check "bris de glace access mode sent" grep -qE "bdg|bris_de_glace" "$TMP/sim.log"
check "bris de glace audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'dmp.bris-de-glace'")" -ge 1 ]

check "tokens never written to the base" sh -c "! grep -qa 'access_token\|refresh_token' '$DB'"
sim_stop
finish
