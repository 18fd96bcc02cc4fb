#!/bin/sh
# The core TUI path (search, dossier with its automatic INSi call against vigie-sim, help,
# form, note, qualification, background job, quit) under valgrind: no invalid access, no
# definite or indirect leak.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind absent: test skipped"
	exit 77
fi
case "$(ldd "$VIGIE" 2>/dev/null)" in
*libasan*) echo "sanitizer build: valgrind cannot run it, test skipped"; exit 77 ;;
esac

DB="$TMP/cabinet.db"
demo_db "$DB"
sim_start
tui_start xterm-256color valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=9 --log-file="$TMP/vg.log" \
	"$VIGIE" --config "$TMP/vigie.conf" --db "$DB" --user jmartin --test-job 1
check "started under valgrind" tui_wait "Recherche de patient" 20
tui_text "adr"
check "search" tui_wait "ADRUN" 10
tui_keys Enter
check "dossier" tui_wait "Dossier —" 10
check "INSi answer compared in the dossier" tui_wait "Premier prénom" 30
tui_text "?"
check "help" tui_wait "Aide —" 10
tui_keys Escape
tui_text "m"
check "edit form" tui_wait "Modifier le patient" 10
tui_keys Escape
check "back to the dossier" tui_wait "Dossier —" 10
tui_text "a"
tui_text "note sous valgrind"
tui_keys Enter
check "note added" tui_wait "note sous valgrind" 10
tui_text "v"
tui_text "c"
check "qualified" tui_wait "QUAL" 10
job_row() { # the background job wrote its row (slow under valgrind on a loaded machine)
	for i in $(seq 100); do
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'test.job'")" = 1 ] &&
			return 0
		sleep 0.2
	done
	tui_screen
	return 1
}
check "background job finished and wrote its row" job_row
tui_keys C-c
check "exit status 0 (no error, no leak)" tui_wait "VIGIE-EXIT:0" 30
grep -q "ERROR SUMMARY: 0 errors" "$TMP/vg.log" && pass "valgrind: 0 errors" ||
	{ fail "valgrind: errors"; cat "$TMP/vg.log"; }

# The INSi calls themselves run in vigie-net (libcurl, OpenSSL, libxml2): under valgrind
# through "vigie insi" (which hands over to it): an answer, a SOAP fault, hostile XML.
vg() { valgrind -q --trace-children=yes --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=9 --log-file="$TMP/vgnet.%p.log" \
	"$VIGIE" --config "$TMP/vigie.conf" insi "$@" >"$TMP/vgnet.out" 2>&1; }
vg search --nom ADRUN --prenom ZOE --sexe F --naissance 1975-12-31
check "vigie-net search under valgrind: answer, no error, no leak" \
	[ "$?" = 0 -a "$(grep -c '^cr: 00' "$TMP/vgnet.out")" = 1 ]
vg search --nom VANDERMONDE --prenom ARIANA --sexe F --naissance 1995-06-17
check "vigie-net SOAP fault under valgrind (exit 1, not 9)" \
	[ "$?" = 1 -a "$(grep -c '^erreur: insi_102' "$TMP/vgnet.out")" = 1 ]
vg parse "$SRCDIR/tests/data/insi/bad_billion_laughs.xml"
check "vigie-net hostile XML under valgrind (exit 1, not 9)" [ "$?" = 1 ]
check "valgrind logs of vigie-net clean" sh -c '! grep -l "definitely lost\|Invalid " "$0"/vgnet.*.log' "$TMP"

# The DMP path from the command line: Pro Santé Connect sign-in (a job, vigie-net psc), the
# DICA guard, TD0.2 and TD3.1, then TD3.2 and integration (vigie-net dmp, the CDA reader).
CHLOE=288046311341243
sim_fault ciba=approve:300,interval:1
"$VIGIE" --config "$TMP/vigie.conf" --db "$DB" --user jmartin dmp consent "$CHLOE" \
	--consultation oui >/dev/null
vgdmp() { valgrind -q --trace-children=yes --trace-children-skip='*pdftotext*' \
	--leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=9 --log-file="$TMP/vgdmp.%p.log" \
	"$VIGIE" --config "$TMP/vigie.conf" --db "$DB" --user jmartin "$@" >"$TMP/vgdmp.out" 2>&1; }
vgdmp dica "$CHLOE" --connexion
check "vigie dica --connexion under valgrind: DMP consultable, no error, no leak" \
	[ "$?" = 0 -a "$(grep -c '^consultation_possible: oui' "$TMP/vgdmp.out")" = 1 ]
ids=$("$VIGIE" --config "$TMP/vigie.conf" --db "$DB" --user jmartin dmp list "$CHLOE" \
	--hors-ligne | awk -F'\t' 'NR > 1 && NR <= 3 { print $1 }')
vgdmp dmp integrate "$CHLOE" $ids
check "vigie dmp integrate under valgrind: two documents, no error, no leak" \
	[ "$?" = 0 -a "$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE provenance = 'DMP'")" = 2 ]
check "valgrind logs of the DMP path clean" sh -c '! grep -l "definitely lost\|Invalid " "$0"/vgdmp.*.log' "$TMP"

finish
