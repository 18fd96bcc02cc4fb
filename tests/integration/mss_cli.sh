#!/bin/sh
# vigie mss against a real Dovecot on loopback, with messages made by "vigie-sim mss-message":
# fetch, the worklist (right patient, type, date, sender type, abnormal biology, errors; no
# XDM technical text, no INS matricule), integration with provenance MSS, a new version that
# replaces the old one in the dossier (kept in history), the sender's deletion, the same
# document received twice or first from the DMP, a second fetch that gets nothing, a dead
# server (French message, exit 3, nothing lost), the audit trail, and "vigie mss import".
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/mss.sh"

: "${VIGIE_SIM:=$(dirname "$VIGIE")/vigie-sim}"
DB="$TMP/cabinet.db"
CONF="$TMP/vigie.conf"
M="$TMP/messages"
out="$TMP/out"
err="$TMP/err"
mkdir -p "$M"
demo_db "$DB"
: >"$CONF"
mss_server_start || { echo "mss_cli: Dovecot could not be started"; echo "mss_cli: 0 passed, 1 failed"; exit 1; }

q() { sqlite3 "$DB" "$1"; }
v() { "$VIGIE" --config "$CONF" --db "$DB" --user jmartin "$@" >"$out" 2>"$err"; rc=$?; }
gen() { # gen FILE OPTIONS...: one message from the simulator
	local f=$1; shift
	"$VIGIE_SIM" mss-message "$@" >"$M/$f" || { echo "vigie-sim mss-message $* failed"; exit 99; }
}
has_re() { grep -qE -- "$1" "$out" || { echo "--- no line matching: $1"; cat "$out" "$err"; return 1; }; }
# line PATTERN: the list row matching (grep -E), fields by cut afterwards
row() { grep -E -- "$1" "$TMP/list" | head -n 1; }
col() { printf '%s\n' "$1" | cut -f"$2"; }
list() { v mss list "$@"; cp "$out" "$TMP/list"; }
no_xdm() { ! grep -q "XDM/1.0/DDM" "$@"; }
matches() { printf '%s\n' "$1" | grep -qE -- "$2" || { echo "--- '$1' does not match $2"; return 1; }; }
all() { for t in "$@"; do eval "$t" || return 1; done; }
n_items() { q "SELECT count(*) FROM mss_items"; }

CHLOE=288046311341243
JULIEN=186090331012749
CHLOE_ID=$(q "SELECT id FROM patients WHERE ins_matricule = '$CHLOE'")
JULIEN_ID=$(q "SELECT id FROM patients WHERE ins_matricule = '$JULIEN'")
# A valid INS for nobody in the base (key = 97 - number mod 97).
UNKNOWN_NUM=1700175123456
UNKNOWN=$UNKNOWN_NUM$(printf '%02d' $((97 - UNKNOWN_NUM % 97)))

gen bio1.eml --type bio --patient "$CHLOE" --date 202611180810
gen bio2.eml --type bio --patient "$CHLOE" --date 202611190900 --version 2
gen bio2-del.eml --type bio --patient "$CHLOE" --date 202611190900 --version 2 --action D
gen vacc.eml --type vacc --patient "$JULIEN" --date 202611170930
gen patient.eml --type texte --de "$CHLOE@patient.mssante.fr"
gen plain.eml --type texte
gen broken.eml --type zip-casse --patient "$CHLOE"
gen unknown.eml --type consult --ins "$UNKNOWN" --nom INCONNU --prenoms "Paul Henri" \
	--sexe M --naissance 1970-01-01 --cog 75056
gen homonym.eml --type consult --ins "$UNKNOWN" --nom MARTIN --prenoms Julien --sexe M \
	--naissance 1986-09-03 --cog 03310 --date 202611150800
gen julien-consult.eml --type consult --patient "$JULIEN" --date 202611100800

# --- first fetch ----------------------------------------------------------------------------
for f in bio1 vacc patient plain broken unknown; do
	mss_deliver "$M/$f.eml" || { echo "mss_deliver $f failed"; exit 99; }
done
v mss fetch
check "fetch: exit 0" [ "$rc" -eq 0 ]
check "fetch: 6 messages received" has_re "^6 message\(s\) reçu\(s\), [0-9]+ document\(s\), 0 retiré\(s\) par l'émetteur"
check "fetch: archive directory private" [ "$(stat -c %a "$TMP/mss-archive")" = 700 ]
check "fetch: originals archived, private" sh -c "ls '$TMP/mss-archive'/*.eml >/dev/null && [ -z \"\$(find '$TMP/mss-archive' -name '*.eml' ! -perm 600)\" ]"
check "fetch: mailbox state remembered" [ "$(q "SELECT last_uid FROM mss_mailboxes WHERE last_error = ''")" -ge 6 ]
check "fetch: mailbox known as user@host:port/INBOX" [ "$(q "SELECT mailbox FROM mss_mailboxes")" = "$MSS_USER@localhost:$MSS_PORT/INBOX" ]

list
check "list: exit 0" [ "$rc" -eq 0 ]
check "list: one line per item, 8 columns" sh -c "[ \$(wc -l <'$TMP/list') -ge 6 ] && awk -F'\t' 'NF != 8 { exit 1 }' '$TMP/list'"
bio=$(row "LEFÈVRE.*[Bb]iolog")
check "CR-BIO: listed for LEFÈVRE Chloé" [ -n "$bio" ]
check "CR-BIO: new, from a professional" [ "$(col "$bio" 1)$(col "$bio" 2)" = "nouveauPS" ]
check "CR-BIO: date of the act" [ "$(col "$bio" 5)" = "18/11/2026" ]
check "CR-BIO: abnormal results counted" matches "$(col "$bio" 6)" '(^|,)anormaux:[1-9]'
check "CR-BIO: matched to Chloé's dossier by INS" [ "$(col "$bio" 8)" = "$CHLOE_ID" ]
BIO1=$(col "$bio" 7)
vacc=$(row "MARTIN Julien.*[Vv]accin")
check "vaccination note: Julien, type, date" all '[ -n "$vacc" ]' '[ "$(col "$vacc" 5)" = 17/11/2026 ]' '[ "$(col "$vacc" 8)" = "$JULIEN_ID" ]'
pat=$(row "^[a-z]+	patient	")
check "patient's message: sender type patient" [ -n "$pat" ]
check "patient's message: matched by the address's INS" [ "$(col "$pat" 8)" = "$CHLOE_ID" ]
check "plain mail listed as a message from a professional" grep -qE "^[a-z]+	PS	[^	]*	Message	" "$TMP/list"
check "broken ZIP listed with an error" sh -c "grep -qE '	([a-z:0-9-]+,)*erreur(,|	)' '$TMP/list'"
unk=$(row "INCONNU")
check "unknown patient: listed by name, no dossier" all '[ -n "$unk" ]' '[ "$(col "$unk" 8)" = 0 ]'
check "no XDM technical text in the list" no_xdm "$TMP/list" "$err"
check "no INS matricule in the list" sh -c "! grep -qE '$CHLOE|$JULIEN|$UNKNOWN' '$TMP/list'"
v mss list --alertes
check "filter alerts: the CR-BIO is there, the plain mail is not" sh -c "grep -q '	$BIO1	' '$out' && [ \$(wc -l <'$out') -lt \$(wc -l <'$TMP/list') ]"
v mss list --patient "$JULIEN"
check "filter by patient (INS given)" sh -c "[ \$(wc -l <'$out') -ge 1 ] && ! grep -q LEFÈVRE '$out'"
v mss list --tri patient
check "sort by patient: exit 0, same count" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$out') -eq \$(wc -l <'$TMP/list') ]"
v mss list --tri n-importe
check "bad sort order: usage error" [ "$rc" -eq 2 ]

v mss show "$BIO1"
check "show: key/value details" sh -c "grep -qx 'statut: nouveau' '$out' && grep -qx 'emetteur: PS' '$out' && grep -qx 'rapprochement: ins' '$out'"
check "show: no XDM subject prefix" no_xdm "$out"
UNK=$(col "$unk" 7)
v mss show "$UNK"
check "show: candidates listed for an unknown patient" has_re "^candidats: [0-9]+"

# A document whose INS is no dossier's, for a patient whose traits are a dossier's: proposed,
# never attached by itself; the user attaches it (traced) and integrates.
"$VIGIE" --config "$CONF" --db "$DB" mss import "$M/homonym.eml" >/dev/null 2>&1
hom=$("$VIGIE" --config "$CONF" --db "$DB" mss list | head -n 1)
HOM=$(col "$hom" 7)
check "homonym: not attached automatically" [ "$(col "$hom" 8)" = 0 ]
v mss show "$HOM"
check "homonym: Julien's dossier is the strong first candidate" has_re "^candidat: $JULIEN_ID score=[0-9]+ fort MARTIN Julien 03/09/1986"
v mss integrate "$HOM" --dossier "$JULIEN_ID"
check "homonym: attached by the user, then integrated" sh -c "[ $rc -eq 0 ] && [ \$(sqlite3 '$DB' \"SELECT count(*) FROM mss_items WHERE id = $HOM AND match = 'utilisateur' AND status = 'integre'\") = 1 ]"
check "attachment audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.rattachement'")" -ge 1 ]

# --- integration, new version, sender's deletion ------------------------------------------
v mss integrate "$BIO1"
check "integrate CR-BIO: exit 0" [ "$rc" -eq 0 ]
check "integrate CR-BIO: said" has_re "^1 document\(s\) intégré\(s\)"
check "dossier document with provenance MSS" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND patient_id = $CHLOE_ID AND status = 'actif'")" = 1 ]
check "original bytes kept" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND patient_id = $CHLOE_ID AND length(original) > 1000")" = 1 ]
list
check "item integrated" [ "$(col "$(row "	$BIO1	")" 1)" = integre ]
v mss integrate "$UNK"
check "an item without dossier is not integrated" sh -c "[ $rc -eq 1 ] && [ \$(sqlite3 '$DB' \"SELECT count(*) FROM documents WHERE provenance = 'MSS' AND patient_id = $CHLOE_ID\") = 1 ]"

mss_deliver "$M/bio2.eml"
v mss fetch
check "version 2 received" has_re "^1 message\(s\) reçu\(s\)"
list
bio2=$(grep -v "	$BIO1	" "$TMP/list" | grep -E "LEFÈVRE.*[Bb]iolog" | head -n 1)
BIO2=$(col "$bio2" 7)
check "version 2 flagged nouvelle-version" matches "$(col "$bio2" 6)" nouvelle-version
v mss integrate "$BIO2"
check "version 2 integrated as a new version" has_re "nouvelle version \(l'ancienne reste dans l'historique\)"
check "version 1 kept in history (remplace)" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND patient_id = $CHLOE_ID AND status = 'remplace'")" = 1 ]
check "version 2 active" [ "$(q "SELECT version FROM documents WHERE provenance = 'MSS' AND patient_id = $CHLOE_ID AND status = 'actif'")" = 2 ]

mss_deliver "$M/bio2-del.eml"
v mss fetch
check "sender's deletion: one withdrawn" has_re "^1 message\(s\) reçu\(s\), [0-9]+ document\(s\), 1 retiré\(s\) par l'émetteur"
check "dossier document withdrawn (retire)" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND version = 2 AND status = 'retire'")" = 1 ]
list
check "version 2 item: retire" [ "$(col "$(row "	$BIO2	")" 1)" = retire ]
check "the deletion notice is flagged retire" [ "$(grep -c 'retire' "$TMP/list")" -ge 2 ]

# --- the same document again; a document first received from the DMP ---------------------
before=$(n_items)
mss_deliver "$M/bio1.eml"
v mss fetch
cp "$out" "$TMP/fetch-again"
list
again=$(grep -E "LEFÈVRE.*[Bb]iolog" "$TMP/list" | grep -v "	$BIO1	" | grep -v "	$BIO2	" | grep -v "retire" | head -n 1)
check "the same CR-BIO again is recognised" all 'grep -q "déjà reçu" "$TMP/fetch-again" || matches "$(col "$again" 6)" deja-integre'
check "no second dossier document for it" [ "$(q "SELECT count(*) FROM documents WHERE provenance = 'MSS' AND patient_id = $CHLOE_ID")" = 2 ]

# The consultation letter's CDA id, read by importing it into a scratch base, is stored in
# Julien's dossier as if it had come from the DMP; then the same letter arrives by MSS.
SCRATCH="$TMP/scratch.db"
demo_db "$SCRATCH"
"$VIGIE" --db "$SCRATCH" mss import "$M/julien-consult.eml" >/dev/null 2>&1
sid=$("$VIGIE" --db "$SCRATCH" mss list | head -n 1 | cut -f7)
cda_id=$("$VIGIE" --db "$SCRATCH" mss show "$sid" | sed -n 's/^cda_id: //p')
check "scratch import gives the letter's CDA id" [ -n "$cda_id" ]
q "INSERT INTO documents (patient_id, provenance, cda_id, title, type_code, integrated_at, integrated_by, size, original) VALUES ($JULIEN_ID, 'DMP', '$cda_id', 'Lettre (DMP)', '11490-0', '2026-11-10T09:00:00Z', 'test', 3, x'414243')"
mss_deliver "$M/julien-consult.eml"
v mss fetch
list
check "a document already integrated from the DMP: deja-integre" sh -c "grep 'MARTIN Julien' '$TMP/list' | grep -q deja-integre"

# --- nothing new; dead server -------------------------------------------------------------
v mss fetch
check "second fetch: nothing new" has_re "^Aucun nouveau message"
items=$(n_items)
last=$(q "SELECT last_uid FROM mss_mailboxes")
echo "# dovecot master: ${MSS_PID:-?}"
mss_server_kill
v mss fetch
[ "$rc" -eq 3 ] || { echo "--- fetch from a dead server: exit $rc"; cat "$out" "$err"; }
check "dead server: exit 3" [ "$rc" -eq 3 ]
check "dead server: French message on stderr" grep -qiE "serveur|connexion|injoignable" "$err"
check "dead server: no password in the message" sh -c "! grep -q '$MSS_PASSWORD' '$err' '$out'"
check "dead server: nothing lost" [ "$(n_items)" = "$items" ]
check "dead server: state kept, error recorded" [ "$(q "SELECT last_uid FROM mss_mailboxes WHERE last_error <> ''")" = "$last" ]

# --- audit --------------------------------------------------------------------------------
check "receptions audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.reception'")" -ge 9 ]
check "integrations audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.integration' AND who = 'jmartin'")" -ge 2 ]
check "sender's deletion audited" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss.suppression-emetteur'")" -ge 1 ]
check "each server call traced" [ "$(q "SELECT count(*) FROM audit WHERE action = 'mss-releve'")" -ge 6 ]
check "no password in the audit" [ "$(q "SELECT count(*) FROM audit WHERE detail LIKE '%$MSS_PASSWORD%'")" = 0 ]

# --- import -------------------------------------------------------------------------------
IMP="$TMP/import.db"
demo_db "$IMP"
"$VIGIE" --db "$IMP" mss import "$M/bio1.eml" "$M/vacc.eml" >"$out" 2>"$err"; rc=$?
check "import two files: exit 0" [ "$rc" -eq 0 ]
check "import: one line per file" [ "$(grep -c "message(s) reçu(s)" "$out")" = 2 ]
check "import: archived as import-<sha1>.eml" sh -c "ls '$IMP.mss'/import-*.eml | grep -qE '/import-[0-9a-f]{40}\.eml$'"
check "import: no temporary file left" sh -c "! ls '$IMP.mss' | grep -q tmp"
"$VIGIE" --db "$IMP" mss list >"$out" 2>"$err"
check "import: the CR-BIO in the list with abnormal values" sh -c "grep -E 'LEFÈVRE.*anormaux:[1-9]' '$out' | grep -q '	$CHLOE_ID\$'"
"$VIGIE" --db "$IMP" mss import "$M/bio1.eml" >"$out" 2>"$err"; rc=$?
check "import again: recognised" sh -c "[ $rc -eq 0 ] && grep -q 'déjà reçu' '$out'"
check "import again: no new item" [ "$(sqlite3 "$IMP" "SELECT count(*) FROM mss_items")" = 2 ]
"$VIGIE" --db "$IMP" mss import "$TMP/absent.eml" >"$out" 2>"$err"; rc=$?
check "import of a missing file: exit 1, French message" sh -c "[ $rc -eq 1 ] && grep -q 'illisible' '$err'"
check "no XDM technical text anywhere" no_xdm "$out" "$err"
"$VIGIE" --db "$IMP" mss fetch >"$out" 2>"$err"; rc=$?
check "fetch without [mss] adresse: exit 1, says why" sh -c "[ $rc -eq 1 ] && grep -q 'adresse' '$err'"

# --- configuration ------------------------------------------------------------------------
cat >"$TMP/bad.conf" <<EOF
[mss]
adresse = http://clair.example
authentification = CRAM-MD5
intervalle = jamais
taille_max_piece = 0
inconnue = 1
EOF
"$VIGIE" --config "$TMP/bad.conf" --db "$IMP" mss list >"$out" 2>"$err"; rc=$?
check "[mss] errors are warnings, the command still runs" [ "$rc" -eq 0 ]
check "[mss] adresse must be imaps://" grep -q "adresse : une adresse imaps://" "$err"
check "[mss] authentification validated" grep -q "authentification : password, OAUTHBEARER ou XOAUTH2" "$err"
check "[mss] intervalle and taille_max_piece validated" sh -c "grep -q 'intervalle : secondes' '$err' && grep -q 'taille_max_piece' '$err'"
check "[mss] unknown key warned" grep -q "clé inconnue \[mss\] inconnue" "$err"
"$VIGIE" --config "$TMP/bad.conf" --db "$IMP" mss fetch >"$out" 2>"$err"; rc=$?
check "refused address: no fetch attempted" sh -c "[ $rc -eq 1 ] && grep -q 'aucune boîte MSSanté configurée' '$err'"

finish
