#!/bin/sh
# Command line: version, help, init (idempotent), search output, and bad input of every kind:
# corrupt, foreign, newer and read-only databases, missing config, bad keymap lines.
. "${SRCDIR:-.}/tests/lib.sh"

DB="$TMP/cabinet.db"
out="$TMP/out"
err="$TMP/err"

check "--version" sh -c "'$VIGIE' --version | grep -qE '^vigie [0-9]+\.[0-9]+\.[0-9]+$'"
check "--help mentions init and search" sh -c "'$VIGIE' --help | grep -q 'vigie init --db' && '$VIGIE' --help | grep -q 'patient search'"
"$VIGIE" --frobnicate >"$out" 2>"$err"
check "unknown option: usage error 2 in French" sh -c "[ $? -eq 2 ] && grep -q 'option inconnue --frobnicate' '$err'"

"$VIGIE" init --db "$DB" --demo >"$out" 2>&1
check "init --demo creates the base" grep -q "patients fictifs ajoutés" "$out"
n=$("$VIGIE" patient search "" --db "$DB" --limit 1000 | wc -l)
"$VIGIE" init --db "$DB" --demo >"$out" 2>&1
check "init --demo again: nothing duplicated, exit 0" sh -c "[ $? -eq 0 ] && grep -q 'déjà des patients' '$out'"
total=$(sqlite3 "$DB" "SELECT count(*) FROM patients")
check "demo holds at least 50 patients ($total)" [ "$total" -ge 50 ]
check "INSi test identities are in the demo" sh -c "'$VIGIE' patient search 'ecetinsi' --db '$DB' | grep -q 'PIERRE-ALAIN'"

"$VIGIE" patient search adr --db "$DB" >"$out"
check "search adr: 3 tab-separated rows" [ "$(wc -l <"$out")" = 3 ]
check "search adr: ADRUN row" grep -qP '^\d+\tADRUN\t\tZOE\tF\t31/12/1975\tprovisoire$' "$out"
check "search by date" sh -c "'$VIGIE' patient search 31/12/1975 --db '$DB' | grep -q ADRUN"
check "search by NIR with spaces" sh -c "'$VIGIE' patient search '2 75 12 63' --db '$DB' | grep -q ADRUN"
check "search ignores accents and case" sh -c "'$VIGIE' patient search 'daeion' --db '$DB' | grep -q \"D'ÆION\""
id=$(cut -f1 "$out" | head -n 1)
check "patient show: key: value lines" sh -c "'$VIGIE' patient show $id --db '$DB' | grep -q '^statut: provisoire$'"

# --- bad databases: a clear French message, the file untouched --------------------------
head -c 8192 /dev/urandom >"$TMP/corrupt.db"
sum=$(md5sum <"$TMP/corrupt.db")
"$VIGIE" patient search x --db "$TMP/corrupt.db" >"$out" 2>"$err"
check "corrupt file: error exit" [ $? -eq 1 ]
check "corrupt file: French message" grep -q "n'est pas une base Vigie lisible" "$err"
check "corrupt file: unchanged" [ "$(md5sum <"$TMP/corrupt.db")" = "$sum" ]

sqlite3 "$TMP/foreign.db" "CREATE TABLE compta (x); INSERT INTO compta VALUES (1);"
sum=$(md5sum <"$TMP/foreign.db")
"$VIGIE" patient search x --db "$TMP/foreign.db" >"$out" 2>"$err"
check "foreign SQLite base refused" grep -q "base SQLite d'un autre logiciel" "$err"
check "foreign SQLite base unchanged" [ "$(md5sum <"$TMP/foreign.db")" = "$sum" ]
check "foreign SQLite base not switched to WAL" [ ! -e "$TMP/foreign.db-wal" ]

cp "$DB" "$TMP/newer.db"
sqlite3 "$TMP/newer.db" "PRAGMA user_version = 999"
"$VIGIE" patient search x --db "$TMP/newer.db" >"$out" 2>"$err"
check "newer schema refused" grep -q "version plus récente de Vigie (schéma 999" "$err"

"$VIGIE" patient search x --db "$TMP/absent.db" >"$out" 2>"$err"
check "missing base: message" grep -q "Base introuvable" "$err"
check "missing base: not created" [ ! -e "$TMP/absent.db" ]

# Read-only: a base another user owns (root can write anything, so run as nobody then).
mkdir -p "$TMP/ro" && cp "$DB" "$TMP/ro/c.db" && chmod 755 "$TMP" "$TMP/ro" && chmod 444 "$TMP/ro/c.db"
if [ "$(id -u)" = 0 ]; then
	as_other="setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=$TMP/ro"
else
	as_other="env"
fi
$as_other "$VIGIE" patient search adr --db "$TMP/ro/c.db" >"$out" 2>"$err"
check "read-only base can still be searched" [ "$(wc -l <"$out")" = 3 ]

# --- configuration ---------------------------------------------------------------------
"$VIGIE" patient search adr --config "$TMP/nope.conf" --db "$DB" >"$out" 2>"$err"
check "missing --config file: usage error with a message" sh -c "[ $? -eq 2 ] && grep -q 'configuration illisible' '$err'"
printf '[base]\nfichier = %s\n[interface]\ndelai_echap = vite\n[inconnue]\ncle = 1\n' "$DB" >"$TMP/v.conf"
"$VIGIE" patient search adr --config "$TMP/v.conf" >"$out" 2>"$err"
check "config gives the base" [ "$(wc -l <"$out")" = 3 ]
check "bad config value: warned, not fatal" grep -q "delai_echap : nombre de millisecondes" "$err"
check "unknown config key: warned" grep -q "clé inconnue \[inconnue\] cle" "$err"

# --- keymaps ----------------------------------------------------------------------------
printf 'bind global x quit\nbind nulle part\nbind global C-k nosuch\nbind search F2 patient-new\n' >"$TMP/k.keys"
"$VIGIE" keys check "$TMP/k.keys" >"$out" 2>"$err"
check "keys check: bad lines make it fail" [ $? -eq 1 ]
check "keys check: file:line for an unknown context" grep -q "k.keys:2: contexte inconnu « nulle »" "$err"
check "keys check: file:line for an unknown action" grep -q "k.keys:3: action inconnue « nosuch »" "$err"
check "keys check: default keymap alone is clean" sh -c "'$VIGIE' keys check >/dev/null 2>&1"

finish
