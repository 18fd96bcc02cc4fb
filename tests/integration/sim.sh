#!/bin/sh
# vigie-sim on its own, with the curl command line: TLS and client certificates, every
# identity case, 02 then 00, both answer styles, Vitale searches, every fault, the control
# endpoint, the log, and hostile requests (DTD, XXE, garbage, oversize).
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

ACTION_TRAITS=urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite
ACTION_VITALE=urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale
ANS=$TMP/ans.xml
REQ=$TMP/req.xml

# --- building requests ------------------------------------------------------------------
header() { # header ACTION MESSAGEID [IDAM]
	cat <<EOF
<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:ctxbam="urn:siram:bam:ctxbam" xmlns:ctxlps="urn:siram:lps:ctxlps" xmlns:wsa="http://www.w3.org/2005/08/addressing">
<soap:Header>
<ctxbam:ContexteBAM Version="01_02"><ctxbam:Id>0f7425e2-b913-415c-adaa-785ee1076a70</ctxbam:Id><ctxbam:Temps>2025-01-06T10:00:00.000Z</ctxbam:Temps><ctxbam:Emetteur>cabinet.test@vigie.invalid</ctxbam:Emetteur><ctxbam:COUVERTURE></ctxbam:COUVERTURE></ctxbam:ContexteBAM>
<ctxlps:ContexteLPS Nature="CTXLPS" Version="01_00"><ctxlps:Id>0f7425e2-b913-415c-adaa-785ee1076a71</ctxlps:Id><ctxlps:Temps>2025-01-06T10:00:00.000Z</ctxlps:Temps><ctxlps:Emetteur>cabinet.test@vigie.invalid</ctxlps:Emetteur><ctxlps:LPS><ctxlps:IDAM R="4">${3-VIGIE-TEST-0001}</ctxlps:IDAM><ctxlps:Version>0.1.0</ctxlps:Version><ctxlps:Instance>6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f</ctxlps:Instance><ctxlps:Nom>urn:lps:VIGIE:0.1.0</ctxlps:Nom></ctxlps:LPS></ctxlps:ContexteLPS>
<wsa:Action>$1</wsa:Action><wsa:MessageID>$2</wsa:MessageID>
</soap:Header>
EOF
}

xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e "s/'/\&apos;/g"; }

traits_req() { # traits_req NOM PRENOMS SEXE DATE [COG [MESSAGEID]]: PRENOMS split on '|'
	local msgid="${6:-uuid:11111111-2222-4333-8444-555555555555}" p
	{
		header "$ACTION_TRAITS" "$msgid"
		echo '<soap:Body><r:RECSANSVITALE xmlns:r="http://www.cnamts.fr/INSiRecSans">'
		echo "<r:NomNaissance>$(xml_escape "$1")</r:NomNaissance>"
		echo "$2" | tr '|' '\n' | while IFS= read -r p; do echo "<r:Prenom>$p</r:Prenom>"; done
		echo "<r:Sexe>$3</r:Sexe><r:DateNaissance>$4</r:DateNaissance>"
		[ -n "${5:-}" ] && echo "<r:LieuNaissance>$5</r:LieuNaissance>"
		echo '</r:RECSANSVITALE></soap:Body></soap:Envelope>'
	} >"$REQ"
}

vitale_req() { # vitale_req NIR15|- OD15|- DATE RANG
	{
		header "$ACTION_VITALE" uuid:99999999-2222-4333-8444-555555555555
		echo '<soap:Body><v:RECVITALE xmlns:v="http://www.cnamts.fr/INSiRecVit">'
		[ "$1" != - ] && echo "<v:MatriculeIndividu><v:NumIdentifiant>$(echo "$1" | cut -c1-13)</v:NumIdentifiant><v:Cle>$(echo "$1" | cut -c14-15)</v:Cle></v:MatriculeIndividu>"
		[ "$2" != - ] && echo "<v:MatriculeOD><v:NumIdentifiant>$(echo "$2" | cut -c1-13)</v:NumIdentifiant><v:Cle>$(echo "$2" | cut -c14-15)</v:Cle></v:MatriculeOD>"
		echo "<v:DateNaissance>$3</v:DateNaissance><v:RangNaissance>$4</v:RangNaissance>"
		echo '</v:RECVITALE></soap:Body></soap:Envelope>'
	} >"$REQ"
}

# post [ACTION-or-"" [curl options]]: POST $REQ, the answer in $ANS, prints the HTTP status;
# the curl exit code is left in $TMP/curl.rc.
post() {
	local action="${1-$ACTION_TRAITS}" ct
	[ $# -gt 0 ] && shift
	ct='application/soap+xml; charset=utf-8'
	[ -n "$action" ] && ct="$ct; action=\"$action\""
	rm -f "$ANS"
	sim_curl -o "$ANS" -w '%{http_code}' -H "Content-Type: $ct" --data-binary "@$REQ" "$@" \
		"$SIM_URL" 2>"$TMP/curl.err"
	echo $? >"$TMP/curl.rc"
}

xp() { xmllint --xpath "string($1)" "$ANS" 2>/dev/null; } # namespace-agnostic via local-name()
el() { xp "//*[local-name()='$1']"; }
cr() { el CodeCR; }
fault_code() { xp "//*[local-name()='Erreur' and namespace-uri()='urn:siram']/@code"; }

expect_cr() { # expect_cr WHAT CR: the last answer is 200 with that CodeCR
	local got
	got=$(cr)
	if [ "$status" = 200 ] && [ "$got" = "$2" ]; then pass "$1"; else
		fail "$1 (HTTP $status, CR '$got', attendu $2)"
		head -c 1500 "$ANS" 2>/dev/null
		echo
	fi
}

traits() { traits_req "$@"; status=$(post); } # traits ARGS...: send, keep $status

# --- command line -----------------------------------------------------------------------
"$VIGIE_SIM" --help >"$TMP/out"
check "--help in French" grep -q "certificat du serveur (PEM)" "$TMP/out"
"$VIGIE_SIM" --frobnicate >"$TMP/out" 2>"$TMP/err"
check "unknown option: exit 2 and a French message" \
	sh -c "[ $? -eq 2 ] && grep -q 'option inconnue' '$TMP/err'"
"$VIGIE_SIM" --port 0 >"$TMP/out" 2>"$TMP/err"
check "no certificate: refused (HTTPS only)" \
	sh -c "[ $? -eq 1 ] && grep -q -- '--cert et --key sont obligatoires' '$TMP/err'"
"$VIGIE_SIM" --fault insi=explode >"$TMP/out" 2>"$TMP/err"
check "unknown fault spec refused" grep -q "panne inconnue « explode »" "$TMP/err"
printf 'nom\tprenom\n' >"$TMP/bad.tsv"
"$VIGIE_SIM" --identities "$TMP/bad.tsv" --cert x --key y >"$TMP/out" 2>"$TMP/err"
check "broken identity table refused" grep -q "colonnes séparées par des tabulations" "$TMP/err"

# --- TLS --------------------------------------------------------------------------------
sim_start || { fail "vigie-sim starts"; finish; exit 1; }
pass "vigie-sim starts on a free port ($SIM_PORT)"
check "port file holds the port and a newline" sh -c "[ \"\$(cat '$TMP/sim.port')\" = '$SIM_PORT' ]"
check "vigie.conf points to the simulator" grep -q "^adresse = https://localhost:$SIM_PORT/lps$" \
	"$TMP/vigie.conf"
traits ADRUN ZOE F 1975-12-31
expect_cr "TLS with the test CA: ADRUN ZOE answers 00" 00
curl -sS --max-time 5 -o /dev/null "$SIM_URL" 2>/dev/null
check "without the test CA the server certificate is refused (curl 60)" [ $? -eq 60 ]
curl -sS --max-time 5 -o /dev/null --cacert "$SIM_CA" "https://127.0.0.1:$SIM_PORT/_sim/stats"
check "certificate valid for 127.0.0.1 too" [ $? -eq 0 ]

# --- identity cases ---------------------------------------------------------------------
check "ADRUN: matricule and key" [ "$(el NumIdentifiant)$(el Cle)" = 275126322074974 ]
check "ADRUN: OID NIR" [ "$(el OID)" = 1.2.250.1.213.1.4.8 ]
check "ADRUN: ListePrenom ZOE" [ "$(el ListePrenom)" = ZOE ]
check "RelatesTo echoes the MessageID" \
	[ "$(el RelatesTo)" = uuid:11111111-2222-4333-8444-555555555555 ]
check "answer is SOAP 1.2 application/soap+xml" \
	[ "$(xp "namespace-uri(/*)")" = http://www.w3.org/2003/05/soap-envelope ]
traits ADRUN ZOE M 1975-12-31
expect_cr "ADRUN with the wrong sex: 01" 01
traits ADRUN ZOE F 1975-12-30
expect_cr "ADRUN with the wrong birth date: 01" 01
traits ADRUN ZOE F 1975-12-31 75056
expect_cr "ADRUN with the wrong birth place: 01" 01
traits ADRUN ZOE F 1975-12-31 63220
expect_cr "ADRUN with its birth place: 00" 00
traits ADRUN ZOE F 1975-12-30
check "LibelleCR of 01" [ "$(el LibelleCR)" = "Aucune identite trouvee" ]
check "01 carries no INDIVIDU" [ -z "$(el INDIVIDU)" ]

traits ADRTROIS DOMINIQUE F 1997-02-26
expect_cr "ADRTROIS DOMINIQUE: 00" 00
check "ADRTROIS DOMINIQUE: Corsica 2A020 and 2A matricule" \
	[ "$(el LieuNaissance) $(el NumIdentifiant)$(el Cle)" = "2A020 297022A02077878" ]
traits ADRTROIS TOUSSAINT M 1960-01-01 2B020
expect_cr "ADRTROIS TOUSSAINT with 2B020: 00" 00
check "ADRTROIS TOUSSAINT: 2B matricule" [ "$(el NumIdentifiant)$(el Cle)" = 160012B02077713 ]
traits CORSE ANTHONY M 1980-03-02
expect_cr "CORSE ANTHONY: 00" 00
check "CORSE: INSHISTO equal to INSACTIF, TIQ Prenom" \
	[ "$(xp "//*[local-name()='INSHISTO']/*[local-name()='IdIndividu']/*[local-name()='NumIdentifiant']") $(el Prenom)" = "180032B020401 ANTHONY" ]

traits ECETINSI PIERRE-ALAIN M 2009-07-14
expect_cr "ECETINSI PIERRE-ALAIN: 00" 00
check "ECETINSI: two INSHISTO" [ "$(xp "count(//*[local-name()='INSHISTO'])")" = 2 ]
check "ECETINSI: DateDeb of the first INSHISTO" \
	[ "$(xp "//*[local-name()='INSHISTO'][1]/*[local-name()='DateDeb']")" = 2019-03-01 ]
check "ECETINSI: full ListePrenom, no Prenom" \
	[ "$(el ListePrenom)|$(el Prenom)" = "PIERRE-ALAIN MURIEL FLORIANT|" ]
traits ECETINSI PIERRE M 2009-07-14
expect_cr "ECETINSI PIERRE (part of a hyphenated first name): 01" 01
traits ECETINSI "PIERRE-ALAIN MURIEL FLORIANT" M 2009-07-14
expect_cr "ECETINSI with the whole list as one Prenom: 00" 00
traits ECETINSI "MURIEL|FLORIANT" M 2009-07-14
expect_cr "ECETINSI with two Prenom elements: 00" 00

traits TCHITCHI OLA F 1936-06-21
expect_cr "TCHITCHI OLA: 01" 01
traits TCHITCHI CATARINA F 1936-06-21
expect_cr "TCHITCHI CATARINA: 00" 00
check "TCHITCHI: matricule" [ "$(el NumIdentifiant)$(el Cle)" = 236066322083656 ]
traits TCHITCHI BELLA F 1936-06-21
expect_cr "TCHITCHI BELLA: 00" 00
traits TCHITCHI "OLA CATARINA BELLA" F 1936-06-21
expect_cr "TCHITCHI with the local list OLA CATARINA BELLA: 01" 01

traits "DE VINCI" LEONARDO M 2014-02-01
expect_cr "DE VINCI LEONARDO without birth place: 02" 02
check "LibelleCR of 02" [ "$(el LibelleCR)" = "Plusieurs identites trouvees" ]
traits "DE VINCI" LEONARDO M 2014-02-01 63113
expect_cr "DE VINCI LEONARDO born in 63113: 00" 00
first=$(el NumIdentifiant)$(el Cle)
traits "DE VINCI" LEONARDO M 2014-02-01 69387
expect_cr "DE VINCI LEONARDO born in 69387: 00" 00
second=$(el NumIdentifiant)$(el Cle)
check "the two DE VINCI LEONARDO are different people" [ "$first" != "$second" ]
traits "DE VINCI" LEONARDO M 2014-02-01 75056
expect_cr "DE VINCI LEONARDO with another birth place: 01" 01
traits "DE VINCI" RUTH F 1976-07-14
expect_cr "DE VINCI RUTH: 01" 01

for p in PIERRE PAUL JACQUES "PIERRE PAUL JACQUES"; do
	traits HOUILLES "$p" M 1993-01-27
	expect_cr "HOUILLES $p: always 01" 01
done

traits VANDERMONDE ARIANA F 1995-06-17
check "VANDERMONDE: SOAP fault insi_102, HTTP 500" \
	[ "$status $(fault_code)" = "500 insi_102" ]
check "VANDERMONDE: Receiver, siram_40, French reason" \
	sh -c "xmllint --xpath 'string(//*[local-name()=\"Reason\"])' '$ANS' | grep -q 'temporairement inaccessible'"

traits HERMANN GATIEN M 1981-03-24
expect_cr "HERMANN: 00" 00
check "HERMANN: key 60 as in the test book (does not verify)" [ "$(el Cle)" = 60 ]
check "HERMANN: INSHISTO keys 60 and 10" \
	[ "$(xp "//*[local-name()='INSHISTO'][2]//*[local-name()='Cle']")" = 10 ]

traits PROVISOIRE MATRICULE M 2009-07-01
expect_cr "PROVISOIRE MATRICULE: 00" 00
check "PROVISOIRE: NIA OID .9 and TIQ Prenom" \
	[ "$(el OID) $(el Prenom)" = "1.2.250.1.213.1.4.9 MATRICULE" ]

traits "D'ARTAGNAN DE L'HERAULT" PIERRE-ALAIN M 2001-06-17
expect_cr "D'ARTAGNAN DE L'HERAULT (apostrophes escaped): 00" 00
check "D'ARTAGNAN: birth name with apostrophes in TIQ" \
	[ "$(el NomNaissance)" = "D'ARTAGNAN DE L'HERAULT" ]
traits LOINTAIN AMELIE F 1988-04-12
expect_cr "LOINTAIN AMELIE (born abroad): 00" 00
check "LOINTAIN: country COG 99109" [ "$(el LieuNaissance)" = 99109 ]
traits BLANC--ESSAI CLAIRE F 1990-10-05
expect_cr "BLANC--ESSAI (double hyphen): 00" 00

traits ADRUN ZOE "" 1975-12-31
check "empty sex: fault insi_24, HTTP 400 (Sender)" [ "$status $(fault_code)" = "400 insi_24" ]
check "fault echoes the messageID" \
	[ "$(xp "//*[local-name()='Erreur']/@messageID")" = uuid:11111111-2222-4333-8444-555555555555 ]

# --- Vitale searches --------------------------------------------------------------------
vitale_req 275126322074974 - 1975-12-31 1
status=$(post "$ACTION_VITALE")
expect_cr "Vitale: NIR of the person (ADRUN): 00" 00
check "Vitale: answer is ADRUN" [ "$(el NomNaissance)" = ADRUN ]
vitale_req - 179056322034526 2015-09-03 2
status=$(post "$ACTION_VITALE")
expect_cr "Vitale: child rank 2 on the father's card: 00" 00
check "Vitale: rank 2 is JULES" [ "$(el ListePrenom)" = JULES ]
vitale_req - 179056322034526 20150903 1
status=$(post "")
expect_cr "Vitale: lunar date, action only in wsa:Action: 00" 00
check "Vitale: rank 1 is LOUISE" [ "$(el ListePrenom)" = LOUISE ]
vitale_req - 179056322034526 1979-05-10 1
status=$(post "$ACTION_VITALE")
check "Vitale: the card holder himself (MARC)" [ "$(cr) $(el ListePrenom)" = "00 MARC" ]
vitale_req - 179056322034526 2015-09-04 1
status=$(post "$ACTION_VITALE")
expect_cr "Vitale: wrong birth date: 01" 01
check "Vitale answer action" [ "$(el Action)" = "${ACTION_VITALE}Response" ]
vitale_req - 179056322034526 2015-09-03 1
status=$(post "$ACTION_TRAITS")
check "Vitale body with the traits action: fault insi_102" [ "$(fault_code)" = insi_102 ]

# --- answer styles ----------------------------------------------------------------------
: >"$TMP/styles"
for i in 1 2 3 4 5 6 7 8; do
	traits ECETINSI PIERRE-ALAIN M 2009-07-14
	echo "$(xp "name(/*)") $(xp "name(//*[local-name()='Body'])") $(xp "name(//*[local-name()='RESULTAT'])") $(xp "local-name(//*[local-name()='INSHISTO'][1]/*[1])")" >>"$TMP/styles"
done
check "envelope prefixes soap:, S: and env: all seen" \
	sh -c "grep -q '^soap:Envelope' '$TMP/styles' && grep -q '^S:Envelope' '$TMP/styles' && grep -q '^env:Envelope' '$TMP/styles'"
check "RESULTAT in the default namespace and prefixed (ns0, ns2)" \
	sh -c "grep -q ' RESULTAT ' '$TMP/styles' && grep -q ' ns0:RESULTAT ' '$TMP/styles' && grep -q ' ns2:RESULTAT ' '$TMP/styles'"
check "DateDeb before IdIndividu in some answers" grep -q ' DateDeb$' "$TMP/styles"
check "DateDeb after OID in others" grep -q ' IdIndividu$' "$TMP/styles"
check "styles are deterministic (cycle of 4)" \
	sh -c "[ \"\$(sed -n 1,4p '$TMP/styles')\" = \"\$(sed -n 5,8p '$TMP/styles')\" ]"

# --- hostile and broken requests --------------------------------------------------------
cat >"$REQ" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>&lol3;</soap:Body></soap:Envelope>
EOF
status=$(post)
check "DOCTYPE (billion laughs) refused with insi_102" [ "$(fault_code)" = insi_102 ]
check "the refusal says why (DTD)" grep -q "DTD refusée" "$ANS"
cat >"$REQ" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><r:RECSANSVITALE xmlns:r="http://www.cnamts.fr/INSiRecSans"><r:NomNaissance>&xxe;</r:NomNaissance></r:RECSANSVITALE></soap:Body></soap:Envelope>
EOF
status=$(post)
check "XXE refused, nothing of the file in the answer" \
	sh -c "[ '$(fault_code)' = insi_102 ] && ! grep -q 'root:' '$ANS'"
printf 'ceci n est pas du XML <<<' >"$REQ"
status=$(post)
check "garbage: insi_102" [ "$(fault_code)" = insi_102 ]
printf '<?xml version="1.0"?><a:Envelope xmlns:a="http://schemas.xmlsoap.org/soap/envelope/"/>' >"$REQ"
status=$(post)
check "SOAP 1.1 envelope: insi_102" [ "$(fault_code)" = insi_102 ]
traits ADRUN ZOE F 1975-12-31
status=$(sim_curl -o "$ANS" -w '%{http_code}' -H 'Content-Type: text/xml' --data-binary "@$REQ" "$SIM_URL")
check "text/xml content type: insi_102" [ "$(fault_code)" = insi_102 ]
status=$(post "urn:autre:action")
check "unknown action: insi_102" [ "$(fault_code)" = insi_102 ]
header "$ACTION_TRAITS" uuid:1 "" >"$REQ"
echo '<soap:Body><r:RECSANSVITALE xmlns:r="http://www.cnamts.fr/INSiRecSans"><r:NomNaissance>ADRUN</r:NomNaissance><r:Prenom>ZOE</r:Prenom><r:Sexe>F</r:Sexe><r:DateNaissance>1975-12-31</r:DateNaissance></r:RECSANSVITALE></soap:Body></soap:Envelope>' >>"$REQ"
status=$(post)
check "empty IDAM: desir_550 (unknown software)" [ "$status $(fault_code)" = "400 desir_550" ]
sed 's/INSiRecSans/INSiAutre/' "$REQ" >"$TMP/r2" && sed -i 's/IDAM R="4"></IDAM R="4">X</' "$TMP/r2" && mv "$TMP/r2" "$REQ"
status=$(post)
check "body in a wrong namespace: insi_102" [ "$(fault_code)" = insi_102 ]
head -c 1100000 /dev/zero | tr '\0' 'a' >"$REQ"
status=$(post)
check "body over 1 MiB: insi_102" [ "$(fault_code)" = insi_102 ]
status=$(sim_curl -o /dev/null -w '%{http_code}' "$SIM_URL")
check "GET /lps: 405" [ "$status" = 405 ]
status=$(sim_curl -o /dev/null -w '%{http_code}' "https://localhost:$SIM_PORT/ailleurs")
check "unknown address: 404" [ "$status" = 404 ]

# --- faults from the control endpoint ---------------------------------------------------
n0=$(sim_stat insi_requests)
traits ADRUN ZOE F 1975-12-31
check "stats: insi_requests counts each request" [ "$(sim_stat insi_requests)" = $((n0 + 1)) ]

sim_fault http500
traits ADRUN ZOE F 1975-12-31
check "http500: HTTP 500 without SOAP" sh -c "[ '$status' = 500 ] && ! grep -q Envelope '$ANS'"
check "stats show the live fault" [ "$(sim_stat insi_fault)" = http500 ]
for code in insi_102 desir_550 DESIR_560 desir_1020 insi_24; do
	sim_fault "soap:$code"
	traits ADRUN ZOE F 1975-12-31
	reason=$(xp "//*[local-name()='Reason']/*[local-name()='Text']")
	check "soap:$code: siram:Erreur code, HTTP $status, reason « ${reason%% *}... »" \
		sh -c "[ '$(fault_code)' = '$code' ] && [ -n \"$reason\" ] && { [ '$status' = 400 ] || [ '$status' = 500 ]; }"
done
sim_fault malformed
traits ADRUN ZOE F 1975-12-31
check "malformed: 200 with XML that does not parse" \
	sh -c "[ '$status' = 200 ] && [ -s '$ANS' ] && ! xmllint --noout '$ANS' 2>/dev/null"
sim_fault delay:1200
start=$(date +%s%N)
traits ADRUN ZOE F 1975-12-31
ms=$((($(date +%s%N) - start) / 1000000))
expect_cr "delay:1200 answers normally" 00
check "delay:1200 took at least 1.2 s ($ms ms)" [ "$ms" -ge 1200 ]
sim_fault reset
traits ADRUN ZOE F 1975-12-31
check "reset: connection reset, no HTTP answer (curl $(cat "$TMP/curl.rc"))" \
	sh -c "[ '$status' = 000 ] && [ $(cat "$TMP/curl.rc") -eq 56 ] && grep -qi 'reset' '$TMP/curl.err'"
sim_fault hang
traits_req ADRUN ZOE F 1975-12-31
(
	code=$(sim_curl -o /dev/null -w '%{http_code}' --max-time 2 --data-binary "@$REQ" \
		-H "Content-Type: application/soap+xml; action=\"$ACTION_TRAITS\"" "$SIM_URL" 2>/dev/null)
	echo "$code $?" >"$TMP/hang.out"
) &
hang_pid=$!
i=0
until grep -q ' hang$' "$TMP/sim.log" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
sim_fault none
start=$(date +%s%N)
traits ADRUN ZOE F 1975-12-31
ms=$((($(date +%s%N) - start) / 1000000))
expect_cr "while one request hangs, another is answered" 00
check "... at once ($ms ms)" [ "$ms" -lt 1500 ]
wait $hang_pid
check "hang: the client times out without an answer ($(cat "$TMP/hang.out"), expected 000 28)" \
	[ "$(cat "$TMP/hang.out")" = "000 28" ]

status=$(sim_curl -o "$ANS" -w '%{http_code}' --data-binary "insi=explode" "https://localhost:$SIM_PORT/_sim/fault")
check "control: bad spec refused with 400 and a French reason" \
	sh -c "[ '$status' = 400 ] && grep -q 'panne inconnue' '$ANS'"
status=$(sim_curl -o "$ANS" -w '%{http_code}' --data-binary "mss=reset" "https://localhost:$SIM_PORT/_sim/fault")
check "control: unknown service refused" sh -c "[ '$status' = 400 ] && grep -q 'service inconnu' '$ANS'"
check "control: fault back to none" [ "$(sim_stat insi_fault)" = none ]

# --- log ---------------------------------------------------------------------------------
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
check "log: a traits request and its CR" \
	grep -qE "^$ts insi RECSANSVITALE ADRUN/ZOE/F/1975-12-31/- 00$" "$TMP/sim.log"
check "log: names with spaces stay one field" \
	grep -qE "^$ts insi RECSANSVITALE DE_VINCI/LEONARDO/M/2014-02-01/- 02$" "$TMP/sim.log"
check "log: Vitale request" \
	grep -qE "^$ts insi RECVITALE nir=-/od=179056322034526/naissance=2015-09-03/rang=2 00$" "$TMP/sim.log"
check "log: faults (soap, reset, hang, http500, malformed)" sh -c "
	grep -qE ' soap:desir_1020$' '$TMP/sim.log' && grep -qE ' reset$' '$TMP/sim.log' &&
	grep -qE ' hang$' '$TMP/sim.log' && grep -qE ' http500$' '$TMP/sim.log' &&
	grep -qE ' malformed$' '$TMP/sim.log'"
check "log: the refused DTD" grep -qE "^$ts insi - - soap:insi_102$" "$TMP/sim.log"
check "log: control requests" grep -qE "^$ts _sim fault insi=hang 200$" "$TMP/sim.log"
check "log: every line has 5 fields" \
	sh -c "awk 'NF != 5 { bad = 1 } END { exit bad }' '$TMP/sim.log'"

# Stopping while a request hangs: its thread must end too.
sim_fault hang
traits_req ADRUN ZOE F 1975-12-31
(
	sim_curl -o /dev/null --max-time 20 -H "Content-Type: application/soap+xml" \
		--data-binary "@$REQ" "$SIM_URL" 2>/dev/null
	echo $? >"$TMP/hang2.rc"
) &
hang_pid=$!
i=0
until [ "$(grep -c ' hang$' "$TMP/sim.log")" -ge 2 ] || [ $i -ge 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
start=$(date +%s%N)
sim_stop
ms=$((($(date +%s%N) - start) / 1000000))
check "SIGTERM while a request hangs: clean stop (exit $SIM_STATUS)" [ "$SIM_STATUS" = 0 ]
check "... within 3 s ($ms ms)" [ "$ms" -lt 3000 ]
wait $hang_pid
check "the hanging client gets no answer (curl $(cat "$TMP/hang2.rc"))" [ "$(cat "$TMP/hang2.rc")" != 0 ]

# --- options: --fault, --style, --config ---------------------------------------------------
sim_start --fault insi=soap:desir_1020 --style 1 || fail "restart with --fault"
traits ADRUN ZOE F 1975-12-31
check "--fault insi=soap:desir_1020 from the command line" [ "$(fault_code)" = desir_1020 ]
sim_fault none
traits ECETINSI PIERRE-ALAIN M 2009-07-14
a=$(xp "name(/*)")$(xp "local-name(//*[local-name()='INSHISTO'][1]/*[1])")
traits ECETINSI PIERRE-ALAIN M 2009-07-14
b=$(xp "name(/*)")$(xp "local-name(//*[local-name()='INSHISTO'][1]/*[1])")
check "--style 1 fixes the style" [ "$a" = "$b" ]
check "--style 1: live platform style" [ "$a" = "soap:EnvelopeIdIndividu" ]
sim_stop

cat >"$TMP/sim.ini" <<EOF
; vigie-sim settings for this test
[sim]
client_ca = $TMP/certs/ca.pem
style = 2

[faults]
insi = delay:300
EOF
sim_start --config "$TMP/sim.ini" || fail "start with --config"
check "config: banner says a client certificate is required" \
	grep -q "certificat client exigé" "$TMP/sim.out"
traits ADRUN ZOE F 1975-12-31
expect_cr "config: client certificate accepted, delay:300 then 00" 00
check "config: style 2 (S: envelope, ns2:RESULTAT)" \
	[ "$(xp "name(/*)") $(xp "name(//*[local-name()='RESULTAT'])")" = "S:Envelope ns2:RESULTAT" ]
check "config: fault from [faults]" [ "$(sim_stat insi_fault)" = delay:300 ]

# --- client certificate required ----------------------------------------------------------
rm -f "$ANS"
code=$(curl -sS --max-time 5 -o "$ANS" -w '%{http_code}' --cacert "$SIM_CA" \
	-H 'Content-Type: application/soap+xml' --data-binary "@$REQ" "$SIM_URL" 2>"$TMP/curl.err")
check "no client certificate: TLS refusal, no HTTP answer" \
	sh -c "[ '$code' = 000 ] && [ ! -s '$ANS' ]"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --tls-max 1.2 --cacert "$SIM_CA" \
	"https://localhost:$SIM_PORT/_sim/stats" 2>"$TMP/curl.err")
check "no client certificate (TLS 1.2): handshake alert" \
	sh -c "[ '$code' = 000 ] && grep -q 'alert' '$TMP/curl.err'"
code=$(curl -sS --max-time 5 -o "$ANS" -w '%{http_code}' --cacert "$SIM_CA" --cert-type P12 \
	--cert "$TMP/certs/client.p12:vigie" -H "Content-Type: application/soap+xml; action=\"$ACTION_TRAITS\"" \
	--data-binary "@$REQ" "$SIM_URL")
check "client certificate as PKCS#12 (password vigie): 00" [ "$code $(cr)" = "200 00" ]
sh "$SRCDIR/scripts/make-certs.sh" "$TMP/other"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --tls-max 1.2 --cacert "$SIM_CA" \
	--cert "$TMP/other/client.pem" --key "$TMP/other/client.key" \
	"https://localhost:$SIM_PORT/_sim/stats" 2>"$TMP/curl.err")
check "client certificate of another CA: unknown CA alert" \
	sh -c "[ '$code' = 000 ] && grep -q 'unknown ca' '$TMP/curl.err'"
# Signed by the right CA but not an INSI-AUTO/INSI-MANU certificate: DESIR_560, as the CNAM.
openssl req -new -newkey rsa:2048 -nodes -keyout "$TMP/cn.key" -subj "/CN=CABINET" \
	-out "$TMP/cn.csr" 2>/dev/null
printf 'extendedKeyUsage = clientAuth\n' >"$TMP/cn.ext"
openssl x509 -req -in "$TMP/cn.csr" -CA "$SIM_CA" -CAkey "$TMP/certs/ca.key" -set_serial 7 \
	-days 2 -extfile "$TMP/cn.ext" -out "$TMP/cn.pem" 2>/dev/null
code=$(curl -sS --max-time 5 -o "$ANS" -w '%{http_code}' --cacert "$SIM_CA" --cert "$TMP/cn.pem" \
	--key "$TMP/cn.key" -H "Content-Type: application/soap+xml; action=\"$ACTION_TRAITS\"" \
	--data-binary "@$REQ" "$SIM_URL")
check "certificate CN other than INSI-AUTO: DESIR_560" [ "$code $(fault_code)" = "400 DESIR_560" ]

sim_stop
check "clean stop with a client CA (exit $SIM_STATUS)" [ "$SIM_STATUS" = 0 ]
check "make-certs is idempotent (certificates kept)" sh -c "
	before=\$(md5sum '$TMP/certs/ca.pem') && sh '$SRCDIR/scripts/make-certs.sh' '$TMP/certs' &&
	[ \"\$before\" = \"\$(md5sum '$TMP/certs/ca.pem')\" ]"
check "make-certs: client certificate CN INSI-AUTO" \
	sh -c "openssl x509 -in '$TMP/certs/client.pem' -noout -subject | grep -q 'CN = INSI-AUTO'"

finish
