#!/bin/sh
# vigie-sim's DMP services with the curl command line: TD0.2 for every simulated DMP, VIHF
# checks, TD0.3 kept in memory, TD3.1 metadata, TD3.2 MTOM answers whose bytes match the
# announced hash and size, the CDA documents and their PDF copies, every fault (including
# wrongpatient and badhash), hostile requests, the log and the counters.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

ANS=$TMP/ans.xml
HDR=$TMP/ans.hdr
REQ=$TMP/req.xml
ROOT=$TMP/root.xml
DOC=$TMP/doc.xml
OID=1.2.250.1.213.1.4.10
CHLOE=288046311341243
JULIEN=186090331012749
JOSE=162039913404717
KARIM=178109935231605
JB=181082A00413396
NOBODY=279035121518989
GP=889900000001
REPO=1.2.250.1.999.1.2
A_TD02=urn:hl7-org:v3:PRPA_IN201307UV02
A_TD03=urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization
A_TD31=urn:ihe:iti:2007:RegistryStoredQuery
A_TD32=urn:ihe:iti:2007:RetrieveDocumentSet
APPROVED=urn:oasis:names:tc:ebxml-regrep:StatusType:Approved
DEPRECATED=urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated

# --- building requests ------------------------------------------------------------------
# The VIHF comes from the variables NAMEID, PURPOSE, RES (patient INS of resource-id),
# NB/NA (validity window), NOVIHF=1 (no assertion at all).
pid() { printf '%s^^^&amp;%s&amp;ISO^NH' "$1" "${2:-$OID}"; }

vihf() { # vihf BODY_INS
	[ "${NOVIHF:-0}" = 1 ] && return 0
	local nb="${NB:-$(date -u -d '-60 sec' +%Y-%m-%dT%H:%M:%SZ)}"
	local na="${NA:-$(date -u -d '+3600 sec' +%Y-%m-%dT%H:%M:%SZ)}"
	local res="${RES-$1}" purpose="${PURPOSE-normal}"
	cat <<EOF
<wsse:Security soap:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_7a1c" IssueInstant="$(date -u +%Y-%m-%dT%H:%M:%SZ)" Version="2.0">
<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">399900000100017</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${NAMEID-$GP}</saml:NameID></saml:Subject>
<saml:Conditions NotBefore="$nb" NotOnOrAfter="$na"/>
<saml:AuthnStatement AuthnInstant="$(date -u +%Y-%m-%dT%H:%M:%SZ)"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>
<saml:Attribute Name="VIHF_Version"><saml:AttributeValue>3.0</saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:subject-id"><saml:AttributeValue>MARTIN Jeanne</saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="urn:oasis:names:tc:xacml:2.0:subject:role"><saml:AttributeValue><Role xmlns="urn:hl7-org:v3" code="10" codeSystem="1.2.250.1.71.1.2.7" displayName="Médecin"/></saml:AttributeValue><saml:AttributeValue><Role xmlns="urn:hl7-org:v3" code="SM54" codeSystem="1.2.250.1.71.4.2.5"/></saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="Authentification_Mode"><saml:AttributeValue>INDIRECTE_RENFORCEE</saml:AttributeValue></saml:Attribute>
EOF
	[ -n "$res" ] && cat <<EOF
<saml:Attribute Name="urn:oasis:names:tc:xacml:2.0:resource:resource-id"><saml:AttributeValue>$(pid "$res")</saml:AttributeValue></saml:Attribute>
EOF
	[ -n "$purpose" ] && cat <<EOF
<saml:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"><saml:AttributeValue><PurposeOfUse xmlns="urn:hl7-org:v3" code="$purpose" codeSystem="1.2.250.1.213.1.1.4.248"/></saml:AttributeValue></saml:Attribute>
EOF
	cat <<EOF
<saml:Attribute Name="Ressource_URN"><saml:AttributeValue>urn:dmp</saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="LPS_Nom"><saml:AttributeValue>Vigie</saml:AttributeValue></saml:Attribute>
</saml:AttributeStatement>
</saml:Assertion>
</wsse:Security>
EOF
}

envelope() { # envelope ACTION SERVICE BODY_INS BODY_XML: the whole request in $REQ
	{
		cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
<soap:Header>
<wsa:Action soap:mustUnderstand="1">$1</wsa:Action>
<wsa:MessageID>urn:uuid:5d0f6c1e-7b2a-4c3d-9e8f-0a1b2c3d4e5f</wsa:MessageID>
<wsa:To soap:mustUnderstand="1">https://localhost:$SIM_PORT/si-dmp-server/v2/services/$2</wsa:To>
EOF
		vihf "$3"
		printf '</soap:Header>\n<soap:Body>\n%s\n</soap:Body>\n</soap:Envelope>\n' "$4"
	} >"$REQ"
}

td02_body() {
	cat <<EOF
<hl7:PRPA_IN201307UV02 xmlns:hl7="urn:hl7-org:v3" ITSVersion="XML_1.0">
<hl7:id root="2f6f2a4e-6d3c-4c1b-9a8e-7f6e5d4c3b2a"/><hl7:creationTime value="20261122093000"/>
<hl7:interactionId root="2.16.840.1.113883.1.6" extension="PRPA_IN201307UV02"/>
<hl7:processingCode code="P"/><hl7:processingModeCode code="T"/><hl7:acceptAckCode code="AL"/>
<hl7:controlActProcess classCode="CACT" moodCode="EVN">
<hl7:code code="PRPA_TE201307UV02" codeSystem="2.16.840.1.113883.1.6"/>
<hl7:reasonCode code="TEST_EXST" codeSystem="1.2.250.1.213.1.1.4.11"/>
<hl7:queryByParameter><hl7:queryId root="3a5b7c9d-1e2f-4a6b-8c0d-2e4f6a8b0c1d"/><hl7:statusCode code="new"/><hl7:responsePriorityCode code="I"/>
<hl7:parameterList><hl7:patientIdentifier><hl7:value root="$OID" extension="$1"/><hl7:semanticsText>Patient.id</hl7:semanticsText></hl7:patientIdentifier></hl7:parameterList>
</hl7:queryByParameter></hl7:controlActProcess></hl7:PRPA_IN201307UV02>
EOF
}

td03_body() { # td03_body INS ACTION
	printf '<setAuthorization xmlns="urn:si-dmp-habilitations"><action>%s</action><patientId>%s</patientId></setAuthorization>' \
		"$2" "$(pid "$1")"
}

td31_body() { # td31_body INS [STATUS-VALUE [QUERY-ID]]
	cat <<EOF
<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
<query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/>
<rim:AdhocQuery id="${3:-urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d}">
<rim:Slot name="\$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'$(pid "$1")'</rim:Value></rim:ValueList></rim:Slot>
EOF
	[ "${2-x}" != "" ] && cat <<EOF
<rim:Slot name="\$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>${2:-('$APPROVED')}</rim:Value></rim:ValueList></rim:Slot>
EOF
	echo '</rim:AdhocQuery></query:AdhocQueryRequest>'
}

td32_body() { # td32_body UNIQUEID [REPO]
	cat <<EOF
<xds:RetrieveDocumentSetRequest xmlns:xds="urn:ihe:iti:xds-b:2007"><xds:DocumentRequest>
<xds:RepositoryUniqueId>${2:-$REPO}</xds:RepositoryUniqueId><xds:DocumentUniqueId>$1</xds:DocumentUniqueId>
</xds:DocumentRequest></xds:RetrieveDocumentSetRequest>
EOF
}

# post SERVICE ACTION [curl options]: POST $REQ; answer in $ANS, headers in $HDR; prints the
# HTTP status, leaves curl's exit code in $TMP/curl.rc.
post() {
	local service=$1 action=$2
	shift 2
	rm -f "$ANS" "$HDR"
	sim_curl -o "$ANS" -D "$HDR" -w '%{http_code}' \
		-H "Content-Type: application/soap+xml; charset=utf-8; action=\"$action\"" \
		--data-binary "@$REQ" "$@" "https://localhost:$SIM_PORT/si-dmp-server/v2/services/$service" \
		2>"$TMP/curl.err"
	echo $? >"$TMP/curl.rc"
}

td02() { envelope "$A_TD02" patients "$1" "$(td02_body "$1")"; status=$(post patients "$A_TD02"); }
td03() { envelope "$A_TD03" habilitations "$1" "$(td03_body "$1" "$2")"; status=$(post habilitations "$A_TD03"); }
td31() { envelope "$A_TD31" registry "$1" "$(td31_body "$@")"; status=$(post registry "$A_TD31"); }
td32() { # td32 PATIENT-INS UNIQUEID [REPO]: the MTOM answer split into $ROOT and $DOC
	envelope "$A_TD32" repository "$1" "$(td32_body "$2" "${3:-}")"
	status=$(post repository "$A_TD32")
	split_mtom
}

xpf() { xmllint --xpath "string($2)" "$1" 2>/dev/null; } # xpf FILE XPATH
xp() { xpf "$ANS" "$1"; }
el() { xp "//*[local-name()='$1']"; }
dmpx() { xp "//*[namespace-uri()='urn:si-dmp:extensions:1.0' and local-name()='$1']"; }
subcode() { xp "//*[local-name()='Fault']/*[local-name()='Code']/*[local-name()='Subcode']/*[local-name()='Value']"; }
code_value() { xp "//*[local-name()='Fault']/*[local-name()='Code']/*[local-name()='Value']"; }
expect_fault() { # expect_fault WHAT CODE: the last answer is a SOAP fault with that subcode
	local got
	got=$(subcode)
	if [ "$status" = 500 ] && [ "$got" = "$2" ] && [ -n "$(el Text)" ]; then pass "$1"; else
		fail "$1 (HTTP $status, code '$got', attendu 500 $2)"
		head -c 1200 "$ANS" 2>/dev/null
		echo
	fi
}

# MTOM: the bytes of a part are between its blank line and the next boundary.
boundary() { sed -n 's/.*boundary="\([^"]*\)".*/\1/p' "$HDR" | tr -d '\r'; }
part() { # part CONTENT-ID OUT
	local b s e
	b=$(boundary)
	rm -f "$2"
	[ -n "$b" ] || return 1
	s=$(grep -obUa "Content-ID: <$1>" "$ANS" | head -n 1 | cut -d: -f1)
	[ -n "$s" ] || return 1
	s=$((s + ${#1} + 18)) # "Content-ID: <" ">\r\n\r\n"
	e=$(grep -obUa -- "--$b" "$ANS" | cut -d: -f1 | while read -r o; do
		[ "$o" -gt "$s" ] && { echo "$o"; break; }; done)
	[ -n "$e" ] || return 1
	tail -c +$((s + 1)) "$ANS" | head -c $((e - 2 - s)) >"$2"
}
split_mtom() { part root@sim "$ROOT"; part doc1@sim "$DOC"; }

# Metadata of one entry of the last TD3.1 answer, found by its uniqueId.
entry_by_type() { # entry_by_type TYPECODE: the uniqueId of the first entry with that typeCode
	xp "(//*[local-name()='ExtrinsicObject'][*[local-name()='Classification' and @classificationScheme='urn:uuid:f0306f51-975f-434e-a61c-c59651d33983' and @nodeRepresentation='$1']])[1]/*[local-name()='ExternalIdentifier' and @identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value"
}
slot_of() { # slot_of UNIQUEID SLOT
	xp "//*[local-name()='ExtrinsicObject'][*[local-name()='ExternalIdentifier' and @value='$1']]/*[local-name()='Slot' and @name='$2']/*[local-name()='ValueList']/*[local-name()='Value'][1]"
}
count_entries() { xp "count(//*[local-name()='ExtrinsicObject'])"; }
sha1() { sha1sum "$1" | cut -d' ' -f1; }
size_of() { wc -c <"$1" | tr -d ' '; }
cda() { xpf "$DOC" "$1"; }
pdf_of_doc() { # pdf_of_doc OUT: the PDF of the CDA in $DOC (N1 body or N3 PDF copy)
	{ cda "//*[local-name()='nonXMLBody']/*[local-name()='text']"
	  cda "//*[local-name()='observationMedia']/*[local-name()='value'][@mediaType='application/pdf']"
	} | tr -d ' \n\r' | base64 -d >"$1" 2>/dev/null
}

# --- command line and table --------------------------------------------------------------
printf '# commentaire\nins\toid\n288046311341243\t1.2.250.1.213.1.4.10\n' >"$TMP/bad.tsv"
"$VIGIE_SIM" --dmp-patients "$TMP/bad.tsv" --cert x --key y >"$TMP/out" 2>"$TMP/err"
check "broken DMP table refused with its line" \
	grep -q "table des DMP .*ligne 3 : 17 colonnes séparées par des tabulations" "$TMP/err"
sed 's/bio@202611180810/radio@202611180810/' "$SRCDIR/data/dmp-sim-patients.tsv" >"$TMP/bad2.tsv"
"$VIGIE_SIM" --dmp-patients "$TMP/bad2.tsv" --cert x --key y >"$TMP/out" 2>"$TMP/err"
check "unknown document type refused" grep -q "type de document inconnu « radio »" "$TMP/err"
"$VIGIE_SIM" --fault dmp=soap:insi_102 --cert x --key y >"$TMP/out" 2>"$TMP/err"
check "dmp=soap:insi_102 refused (an INSi code)" grep -q "inconnu « insi_102 » pour dmp" "$TMP/err"
"$VIGIE_SIM" --fault insi=wrongpatient --cert x --key y >"$TMP/out" 2>"$TMP/err"
check "insi=wrongpatient refused (DMP only)" grep -q "réservée au service dmp" "$TMP/err"
"$VIGIE_SIM" --fault insi=soap:DMP_FERME --cert x --key y >"$TMP/out" 2>"$TMP/err"
check "insi=soap:DMP_FERME refused" grep -q "inconnu « DMP_FERME » pour insi" "$TMP/err"

sim_start --dmp-patients "$SRCDIR/data/dmp-sim-patients.tsv" ||
	{ fail "vigie-sim starts"; finish; exit 1; }
pass "vigie-sim starts with the DMP table"
check "stats: DMP counters at 0, no fault" \
	sh -c "[ '$(sim_stat dmp_requests) $(sim_stat dmp_fault)' = '0 none' ]"

# --- TD0.2 --------------------------------------------------------------------------------
td02 $CHLOE
check "TD0.2 Chloé: 200, ACTIF, VALIDE until 2027-03-31, treating doctor" \
	[ "$status $(dmpx etat) $(dmpx autorisation) $(dmpx finAutorisation) $(dmpx medecinTraitant)" = "200 ACTIF VALIDE 2027-03-31 true" ]
check "TD0.2 Chloé: the patient asked, active, query OK" \
	[ "$(xp "//*[local-name()='patient']/*[local-name()='id']/@extension") $(xp "//*[local-name()='patient']/*[local-name()='statusCode']/@code") $(xp "//*[local-name()='queryResponseCode']/@code")" = "$CHLOE active OK" ]
check "TD0.2: acknowledgement AA, RelatesTo echoes the MessageID" \
	[ "$(xp "//*[local-name()='acknowledgement']/*[local-name()='typeCode']/@code") $(el RelatesTo)" = "AA urn:uuid:5d0f6c1e-7b2a-4c3d-9e8f-0a1b2c3d4e5f" ]
check "TD0.2: answer action PRPA_IN201308UV02, SOAP 1.2" \
	[ "$(el Action) $(xp "namespace-uri(/*)")" = "urn:hl7-org:v3:PRPA_IN201308UV02 http://www.w3.org/2003/05/soap-envelope" ]
a=$(xp "name(//*[local-name()='PRPA_IN201308UV02'])")
td02 $CHLOE
b=$(xp "name(//*[local-name()='PRPA_IN201308UV02'])")
check "TD0.2: prefixes vary between answers ($a, $b)" [ "$a" != "$b" ]
NAMEID=899700218896 td02 $CHLOE
check "TD0.2 Chloé for another professional: VALIDE, not the treating doctor" \
	[ "$(dmpx autorisation) $(dmpx medecinTraitant)" = "VALIDE false" ]
NAMEID=810000000017 td02 $CHLOE
check "TD0.2 Chloé for the professional she blocked: BLOQUEE, no end date" \
	[ "$(dmpx autorisation)|$(dmpx finAutorisation)" = "BLOQUEE|" ]
td02 $JULIEN
check "TD0.2 Julien: ACTIF, AUCUNE, no end date" \
	[ "$(dmpx etat) $(dmpx autorisation)|$(dmpx finAutorisation)" = "ACTIF AUCUNE|" ]
td02 $JOSE
check "TD0.2 José: FERME on 2025-06-30, reason, statusCode completed" \
	[ "$(dmpx etat)|$(dmpx dateFermeture)|$(dmpx motifFermeture)|$(xp "//*[local-name()='patient']/*[local-name()='statusCode']/@code")" = "FERME|2025-06-30|Clôture à la demande du patient|completed" ]
td02 $KARIM
check "TD0.2 Karim: ACTIF, BLOQUEE" [ "$(dmpx etat) $(dmpx autorisation)" = "ACTIF BLOQUEE" ]
td02 $JB
check "TD0.2 Jean-Baptiste (2A INS): EXPIREE since 2026-05-01" \
	[ "$(dmpx etat) $(dmpx autorisation) $(dmpx finAutorisation) $(xp "//*[local-name()='patient']/*[local-name()='id']/@extension")" = "ACTIF EXPIREE 2026-05-01 $JB" ]
td02 $NOBODY
check "TD0.2 unknown INS: NF, INEXISTANT, no subject" \
	[ "$status $(xp "//*[local-name()='queryResponseCode']/@code") $(dmpx etat) $(xp "count(//*[local-name()='subject'])")" = "200 NF INEXISTANT 0" ]

# --- VIHF --------------------------------------------------------------------------------
NOVIHF=1 td02 $CHLOE
expect_fault "no VIHF assertion: DMPVIHF" DMPVIHF
check "DMPVIHF is a Sender fault in French" \
	sh -c "[ '$(code_value | sed 's/.*://')' = Sender ] && grep -q 'xml:lang=\"fr\"' '$ANS'"
RES=$JULIEN td02 $CHLOE
expect_fault "VIHF about another patient than the body: DMPVIHF" DMPVIHF
RES= td02 $CHLOE
expect_fault "VIHF without resource-id: DMPVIHF" DMPVIHF
PURPOSE= td02 $CHLOE
expect_fault "VIHF without purposeofuse: DMPVIHF" DMPVIHF
PURPOSE=curiosite td02 $CHLOE
expect_fault "VIHF with an unknown access mode: DMPVIHF" DMPVIHF
NAMEID= td02 $CHLOE
expect_fault "VIHF without NameID: DMPVIHF" DMPVIHF
NB=2020-01-01T00:00:00Z NA=2020-01-01T01:00:00Z td02 $CHLOE
expect_fault "expired VIHF assertion: DMPVIHF" DMPVIHF
NB=bientot td02 $CHLOE
expect_fault "malformed NotBefore: DMPVIHF" DMPVIHF

# --- TD0.3 --------------------------------------------------------------------------------
envelope "$A_TD31" registry $JULIEN "$(td31_body $JULIEN)"
status=$(post registry "$A_TD31")
expect_fault "TD3.1 Julien without authorisation: DMP_AUTORISATION_ABSENTE" DMP_AUTORISATION_ABSENTE
td03 $JULIEN AJOUT
end=$(el finAutorisation)
month=$(date -u -d "$(date -u +%Y-%m-15) +6 months" +%Y-%m)
check "TD0.3 AJOUT Julien: OK, VALIDE until today + 6 months ($end)" \
	sh -c "[ '$status $(el status) $(el autorisation)' = '200 OK VALIDE' ] && [ '${end%-*}' = '$month' ]"
check "TD0.3: answer action setAuthorizationResponse" \
	[ "$(el Action)" = "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorizationResponse" ]
td02 $JULIEN
check "TD0.2 after TD0.3: VALIDE with the same end date" \
	[ "$(dmpx autorisation) $(dmpx finAutorisation)" = "VALIDE $end" ]
NAMEID=899700218896 td02 $JULIEN
check "... only for the professional who asked (another: AUCUNE)" [ "$(dmpx autorisation)" = AUCUNE ]
td31 $JULIEN
check "TD3.1 Julien after TD0.3: 2 documents" [ "$status $(count_entries)" = "200 2" ]
td03 $JULIEN SUPPRESSION
check "TD0.3 SUPPRESSION: AUCUNE" [ "$status $(el autorisation)" = "200 AUCUNE" ]
td02 $JULIEN
check "TD0.2 after SUPPRESSION: AUCUNE" [ "$(dmpx autorisation)" = AUCUNE ]
td03 $KARIM AJOUT
expect_fault "TD0.3 for a blocked professional: DMP_AUTORISATION_INTERDITE" DMP_AUTORISATION_INTERDITE
NAMEID=810000000017 td03 $CHLOE AJOUT
expect_fault "TD0.3 by the professional Chloé blocked: DMP_AUTORISATION_INTERDITE" DMP_AUTORISATION_INTERDITE
td03 $JOSE AJOUT
expect_fault "TD0.3 on a closed DMP: DMP_FERME" DMP_FERME
td03 $NOBODY AJOUT
expect_fault "TD0.3 without DMP: DMP_INEXISTANT" DMP_INEXISTANT
td03 $JULIEN EFFACER
expect_fault "TD0.3 with an unknown action: DMP_REQUETE_INVALIDE" DMP_REQUETE_INVALIDE

# --- TD3.1 --------------------------------------------------------------------------------
td31 $CHLOE
cp "$ANS" "$TMP/td31-chloe.xml"
check "TD3.1 Chloé: Success, 5 approved documents" \
	[ "$status $(xp "//*[local-name()='AdhocQueryResponse']/@status") $(count_entries)" = "200 urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success 5" ]
check "TD3.1: every entry names Chloé (patientId and sourcePatientId)" \
	[ "$(xp "count(//*[local-name()='ExternalIdentifier' and @identificationScheme='urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427' and @value='$CHLOE^^^&$OID&ISO^NH'])") $(xp "count(//*[local-name()='Slot' and @name='sourcePatientId'][*/*='$CHLOE^^^&$OID&ISO^NH'])")" = "5 5" ]
check "TD3.1: entries are approved DocumentEntries in text/xml" \
	[ "$(xp "count(//*[local-name()='ExtrinsicObject' and @status='$APPROVED' and @mimeType='text/xml' and @objectType='urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1'])")" = 5 ]
BIO=$(entry_by_type 11502-2)
CONSULT=$(entry_by_type 11488-4)
LETTER=$(entry_by_type 96349-6)
VACC=$(entry_by_type 87273-9)
SYNTH=$(entry_by_type SYNTH)
check "TD3.1: one CR-BIO, consultation, letter, vaccination note and synthesis" \
	sh -c "[ -n '$BIO' ] && [ -n '$CONSULT' ] && [ -n '$LETTER' ] && [ -n '$VACC' ] && [ -n '$SYNTH' ]"
check "TD3.1: the letter is INVISIBLE_PATIENT, the others are not" \
	[ "$(xp "count(//*[local-name()='Classification' and @nodeRepresentation='INVISIBLE_PATIENT'])") $(xp "//*[local-name()='ExtrinsicObject'][*[local-name()='Classification' and @nodeRepresentation='INVISIBLE_PATIENT']]/*[local-name()='ExternalIdentifier' and @identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value")" = "1 $LETTER" ]
check "TD3.1: confidentiality N on every entry" \
	[ "$(xp "count(//*[local-name()='Classification' and @classificationScheme='urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f' and @nodeRepresentation='N'])")" = 5 ]
check "TD3.1: CR-BIO submitted on 2026-11-18, format xd-lab, class 10, two chapters" \
	[ "$(slot_of "$BIO" submissionTime | cut -c1-8) $(xp "//*[local-name()='ExtrinsicObject'][*[@value='$BIO']]/*[@classificationScheme='urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d']/@nodeRepresentation") $(xp "//*[local-name()='ExtrinsicObject'][*[@value='$BIO']]/*[@classificationScheme='urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a']/@nodeRepresentation") $(xp "count(//*[local-name()='ExtrinsicObject'][*[@value='$BIO']]/*[@classificationScheme='urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4'])")" = "20261118 urn:ihe:lab:xd-lab:2008 10 2" ]
check "TD3.1: author of the consultation is the cardiologist (XCN, speciality SM04)" \
	sh -c "xmllint --xpath \"string(//*[local-name()='ExtrinsicObject'][*[@value='$CONSULT']]/*[@classificationScheme='urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d']/*[@name='authorPerson']/*/*)\" '$ANS' | grep -q '^810100345676^BERTRAND^Antoine^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS$' &&
		xmllint --xpath \"string(//*[local-name()='ExtrinsicObject'][*[@value='$CONSULT']]/*[@classificationScheme='urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d']/*[@name='authorSpecialty']/*/*)\" '$ANS' | grep -q '^G15_10/SM04^'"
check "TD3.1: submission times: 3 in the last five weeks, 2 older" \
	[ "$(for u in "$BIO" "$CONSULT" "$LETTER" "$VACC" "$SYNTH"; do slot_of "$u" submissionTime | cut -c1-8; done | awk '$1 >= 20261018 { n++ } END { print n + 0 }')" = 3 ]
check "TD3.1: hash (40 hex digits), size and repository on each entry" \
	[ "$(for u in "$BIO" "$CONSULT" "$LETTER" "$VACC" "$SYNTH"; do echo "$(slot_of "$u" hash) $(slot_of "$u" size) $(slot_of "$u" repositoryUniqueId)"; done | grep -cE "^[0-9a-f]{40} [0-9]+ $REPO$")" = 5 ]
check "TD3.1: title, creationTime, serviceStartTime, languageCode" \
	[ "$(xp "//*[local-name()='ExtrinsicObject'][*[@value='$BIO']]/*[local-name()='Name']/*/@value")|$(slot_of "$BIO" creationTime)|$(slot_of "$BIO" serviceStartTime)|$(slot_of "$BIO" languageCode)" = "Compte rendu d'examens biologiques|20261118113000|20261118081000|fr-FR" ]
td31 $CHLOE "('$APPROVED','$DEPRECATED')"
check "TD3.1 Approved and Deprecated: 6 entries, one Deprecated synthesis" \
	[ "$(count_entries) $(xp "count(//*[local-name()='ExtrinsicObject' and @status='$DEPRECATED'][*[@classificationScheme='urn:uuid:f0306f51-975f-434e-a61c-c59651d33983' and @nodeRepresentation='SYNTH']])")" = "6 1" ]
SYNTH1=$(xp "//*[local-name()='ExtrinsicObject' and @status='$DEPRECATED']/*[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value")
td31 $JULIEN
expect_fault "TD3.1 Julien, no authorisation, normal access: DMP_AUTORISATION_ABSENTE" DMP_AUTORISATION_ABSENTE
PURPOSE=bris_de_glace td31 $JULIEN
check "TD3.1 Julien in bris de glace: 2 documents" [ "$status $(count_entries)" = "200 2" ]
JVACC=$(entry_by_type 87273-9)
check "log: the bris de glace access is marked" \
	grep -qE " dmp td3.1 $JULIEN 2/bdg$" "$TMP/sim.log"
td31 $JB
expect_fault "TD3.1 Jean-Baptiste, authorisation expired: DMP_AUTORISATION_ABSENTE" DMP_AUTORISATION_ABSENTE
PURPOSE=bris_de_glace td31 $JB
check "TD3.1 Jean-Baptiste in bris de glace: 2 documents" [ "$(count_entries)" = 2 ]
PURPOSE=bris_de_glace td31 $KARIM
expect_fault "TD3.1 Karim (blocked) even in bris de glace: DMP_AUTORISATION_INTERDITE" DMP_AUTORISATION_INTERDITE
NAMEID=810000000017 td31 $CHLOE
expect_fault "TD3.1 Chloé by the blocked professional: DMP_AUTORISATION_INTERDITE" DMP_AUTORISATION_INTERDITE
td31 $JOSE
expect_fault "TD3.1 on a closed DMP: DMP_FERME" DMP_FERME
td31 $NOBODY
expect_fault "TD3.1 without DMP: DMP_INEXISTANT" DMP_INEXISTANT
td31 $CHLOE "('$APPROVED')" urn:uuid:00000000-0000-4000-8000-000000000000
check "TD3.1 unknown stored query: 200, Failure, XDSUnknownStoredQuery" \
	[ "$status $(xp "//*[local-name()='AdhocQueryResponse']/@status") $(xp "//*[namespace-uri()='urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0' and local-name()='RegistryError']/@errorCode")" = "200 urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure XDSUnknownStoredQuery" ]
td31 $CHLOE ""
check "TD3.1 without the status slot: XDSStoredQueryParamNumber" \
	[ "$(xp "//*[local-name()='RegistryError']/@errorCode")" = XDSStoredQueryParamNumber ]

# --- TD3.2 --------------------------------------------------------------------------------
td32 $CHLOE "$BIO"
check "TD3.2: 200 multipart/related MTOM, start <root@sim>" \
	sh -c "[ '$status' = 200 ] && grep -qi '^content-type: multipart/related; type=\"application/xop+xml\"; boundary=\"[^\"]*\"; start=\"<root@sim>\"; start-info=\"application/soap+xml\"' '$HDR'"
check "TD3.2: root part is the SOAP answer, Success, with xop:Include cid:doc1@sim" \
	[ "$(xpf "$ROOT" "//*[local-name()='RegistryResponse']/@status") $(xpf "$ROOT" "//*[namespace-uri()='http://www.w3.org/2004/08/xop/include' and local-name()='Include']/@href") $(xpf "$ROOT" "//*[local-name()='DocumentUniqueId']")" = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success cid:doc1@sim $BIO" ]
check "TD3.2: document part is binary text/xml" \
	sh -c "grep -aq 'Content-Transfer-Encoding: binary' '$ANS' && grep -aq 'Content-ID: <doc1@sim>' '$ANS'"
check "TD3.2 CR-BIO: SHA-1 and size of the bytes = metadata" \
	[ "$(sha1 "$DOC") $(size_of "$DOC")" = "$(xpf "$TMP/td31-chloe.xml" "//*[local-name()='ExtrinsicObject'][*[@value='$BIO']]/*[@name='hash']/*/*") $(xpf "$TMP/td31-chloe.xml" "//*[local-name()='ExtrinsicObject'][*[@value='$BIO']]/*[@name='size']/*/*")" ]
check "CR-BIO: well-formed CDA R2 with realmCode FR, XD-LAB and CR-BIO templates" \
	[ "$(cda "namespace-uri(/*)") $(cda "/*/*[local-name()='realmCode']/@code") $(cda "count(/*/*[local-name()='templateId'][@root='1.3.6.1.4.1.19376.1.3.3' or @root='1.2.250.1.213.1.1.1.55' or @root='1.2.250.1.213.1.1.1.1' or @root='2.16.840.1.113883.2.8.2.1'])")" = "urn:hl7-org:v3 FR 4" ]
check "CR-BIO: id = uniqueId, code 11502-2, exact title, setId and version 1" \
	[ "$(cda "concat(/*/*[local-name()='id']/@root,'^',/*/*[local-name()='id']/@extension)")|$(cda "/*/*[local-name()='code']/@code")|$(cda "/*/*[local-name()='title']")|$(cda "/*/*[local-name()='versionNumber']/@value")|$(cda "count(/*/*[local-name()='setId'])")" = "$BIO|11502-2|Compte rendu d'examens biologiques|1|1" ]
check "CR-BIO: recordTarget INS of Chloé with her INS traits" \
	[ "$(cda "//*[local-name()='patientRole']/*[local-name()='id']/@extension")|$(cda "//*[local-name()='patientRole']/*[local-name()='id']/@root")|$(cda "//*[local-name()='family'][@qualifier='BR']")|$(cda "//*[local-name()='given'][@qualifier='BR']")|$(cda "//*[local-name()='patient']/*[local-name()='birthTime']/@value")|$(cda "//*[local-name()='county']")" = "$CHLOE|$OID|LEFÈVRE|Chloé|19880412|63113" ]
check "CR-BIO: author RPPS 8..., custodian, legalAuthenticator, documentationOf, componentOf" \
	[ "$(cda "//*[local-name()='assignedAuthor']/*[local-name()='id']/@extension" | cut -c1) $(cda "count(/*/*[local-name()='custodian' or local-name()='legalAuthenticator' or local-name()='componentOf'])") $(cda "count(/*/*[local-name()='documentationOf'])")" = "8 3 2" ]
check "CR-BIO: glycémie H (LOINC 53049-3, g/L) with its reference range" \
	[ "$(cda "//*[local-name()='observation'][*[local-name()='code']/@code='53049-3'][*[local-name()='templateId']]/*[local-name()='interpretationCode']/@code") $(cda "//*[local-name()='observation'][*[local-name()='code']/@code='53049-3'][*[local-name()='templateId']]/*[local-name()='value']/@unit") $(cda "//*[local-name()='observation'][*[local-name()='code']/@code='53049-3']/*[local-name()='referenceRange']//*[local-name()='high']/@value")" = "H g/L 1.10" ]
check "CR-BIO: hémoglobine L (718-7, g/dL), the 4 other results N" \
	[ "$(cda "//*[local-name()='observation'][*[local-name()='code']/@code='718-7']/*[local-name()='interpretationCode']/@code") $(cda "//*[local-name()='observation'][*[local-name()='code']/@code='718-7']/*[local-name()='value']/@unit") $(cda "count(//*[local-name()='observation'][*[local-name()='templateId']/@root='1.3.6.1.4.1.19376.1.3.1.6']/*[local-name()='interpretationCode'][@code='N'])")" = "L g/dL 4" ]
check "CR-BIO: an earlier glucose result (REFR)" \
	[ "$(cda "count(//*[local-name()='entryRelationship'][@typeCode='REFR'])")" = 1 ]
check "CR-BIO: FR-Document-PDF-copie section with a B64 PDF" \
	[ "$(cda "count(//*[local-name()='section'][*[local-name()='templateId']/@root='1.2.250.1.213.1.1.2.243']//*[local-name()='observationMedia']/*[local-name()='value'][@mediaType='application/pdf'][@representation='B64'])")" = 1 ]
pdf_of_doc "$TMP/bio.pdf"
pdftotext -enc UTF-8 "$TMP/bio.pdf" "$TMP/bio.txt" 2>/dev/null
check "CR-BIO PDF: a PDF of a few KB" \
	sh -c "head -c 5 '$TMP/bio.pdf' | grep -q '%PDF-' && [ $(size_of "$TMP/bio.pdf") -lt 20000 ]"
check "CR-BIO PDF: pdftotext reads the French text (accents included)" \
	sh -c "grep -q 'Hémoglobine' '$TMP/bio.txt' && grep -q 'Glycémie à jeun' '$TMP/bio.txt' &&
		grep -q 'LEFÈVRE' '$TMP/bio.txt' && grep -q 'µmol/L' '$TMP/bio.txt' && grep -q 'COMPTE RENDU D' '$TMP/bio.txt'"
cp "$DOC" "$TMP/bio1.xml"
td32 $CHLOE "$BIO"
check "TD3.2 twice: the same bytes" cmp -s "$DOC" "$TMP/bio1.xml"
check "log: td3.2 with the uniqueId" grep -qE " dmp td3.2 1\.2\.250\.1\.999\.1\.1\^$CHLOE\.1\.1 ok$" "$TMP/sim.log"

td32 $CHLOE "$CONSULT"
check "TD3.2 consultation (N1): hash and size match" \
	[ "$(sha1 "$DOC") $(size_of "$DOC")" = "$(xpf "$TMP/td31-chloe.xml" "//*[local-name()='ExtrinsicObject'][*[@value='$CONSULT']]/*[@name='hash']/*/*") $(xpf "$TMP/td31-chloe.xml" "//*[local-name()='ExtrinsicObject'][*[@value='$CONSULT']]/*[@name='size']/*/*")" ]
check "N1: exactly the three templateIds, nonXMLBody PDF in B64" \
	[ "$(cda "count(/*/*[local-name()='templateId'])") $(cda "//*[local-name()='nonXMLBody']/*[local-name()='text']/@mediaType")" = "3 application/pdf" ]
pdf_of_doc "$TMP/consult.pdf"
check "N1 PDF: the cardiologist's letter in French" \
	sh -c "pdftotext -enc UTF-8 '$TMP/consult.pdf' - | tr '\n' ' ' | grep -q 'Chère consœur' &&
		pdftotext -enc UTF-8 '$TMP/consult.pdf' - | grep -q 'palpitations'"
td32 $CHLOE "$LETTER"
pdf_of_doc "$TMP/letter.pdf"
check "letter (INVISIBLE_PATIENT): type 96349-6, readable PDF" \
	sh -c "[ '$(cda "/*/*[local-name()='code']/@code")' = 96349-6 ] && pdftotext '$TMP/letter.pdf' - | grep -q 'LETTRE D'"
td32 $CHLOE "$VACC"
check "vaccination note (N3): VAC-NOTE template, one FR-Vaccination, CIS and lot" \
	[ "$(cda "/*/*[local-name()='templateId'][@root='1.2.250.1.213.1.1.1.46']/@extension") $(cda "count(//*[local-name()='substanceAdministration'])") $(cda "//*[local-name()='manufacturedMaterial']/*[local-name()='code']/@codeSystem") $(cda "string-length(//*[local-name()='lotNumberText']) > 0")" = "2023.01 1 1.2.250.1.213.2.3.1 true" ]
td32 $CHLOE "$SYNTH"
check "synthesis v2: version 2, RPLC of version 1, same setId" \
	[ "$(cda "/*/*[local-name()='versionNumber']/@value") $(cda "concat(//*[local-name()='relatedDocument'][@typeCode='RPLC']//*[local-name()='id']/@root,'^',//*[local-name()='relatedDocument']//*[local-name()='id']/@extension)")" = "2 $SYNTH1" ]
set2=$(cda "concat(/*/*[local-name()='setId']/@root,/*/*[local-name()='setId']/@extension)")
td32 $CHLOE "$SYNTH1"
check "the replaced version 1 is still retrievable, same setId" \
	[ "$(cda "/*/*[local-name()='versionNumber']/@value") $(cda "concat(/*/*[local-name()='setId']/@root,/*/*[local-name()='setId']/@extension)")" = "1 $set2" ]

td32 $CHLOE 1.2.250.1.999.1.1^999
check "TD3.2 unknown document: Failure, XDSDocumentUniqueIdError, no document part" \
	[ "$status $(xpf "$ROOT" "//*[local-name()='RegistryResponse']/@status") $(xpf "$ROOT" "//*[local-name()='RegistryError']/@errorCode") $(xpf "$ROOT" "count(//*[local-name()='DocumentResponse'])")" = "200 urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure XDSDocumentUniqueIdError 0" ]
td32 $CHLOE "$BIO" 1.2.3.4
check "TD3.2 unknown repository: XDSUnknownRepositoryId" \
	[ "$(xpf "$ROOT" "//*[local-name()='RegistryError']/@errorCode")" = XDSUnknownRepositoryId ]
td32 $JULIEN "$BIO"
expect_fault "TD3.2 of Chloé's document under Julien's VIHF (no authorisation)" DMP_AUTORISATION_ABSENTE
PURPOSE=bris_de_glace td32 $JULIEN "$BIO"
check "TD3.2 of Chloé's document under Julien's VIHF (bdg): not his document" \
	[ "$(xpf "$ROOT" "//*[local-name()='RegistryError']/@errorCode")" = XDSDocumentUniqueIdError ]
PURPOSE=bris_de_glace td32 $JULIEN "$JVACC"
check "TD3.2 Julien's note in bris de glace: his INS in recordTarget" \
	[ "$(cda "//*[local-name()='patientRole']/*[local-name()='id']/@extension")" = $JULIEN ]
check "log: td3.2 in bris de glace" grep -qE " dmp td3.2 [^ ]*$JULIEN[^ ]* ok/bdg$" "$TMP/sim.log"
PURPOSE=bris_de_glace td32 $KARIM 1.2.250.1.999.1.1^$KARIM.1.1
expect_fault "TD3.2 on Karim's DMP (blocked): DMP_AUTORISATION_INTERDITE" DMP_AUTORISATION_INTERDITE

# --- faults -------------------------------------------------------------------------------
dmp_fault() { sim_curl -f -o /dev/null --data-binary "dmp=$1" "https://localhost:$SIM_PORT/_sim/fault"; }

dmp_fault wrongpatient
check "stats show dmp_fault wrongpatient" [ "$(sim_stat dmp_fault)" = wrongpatient ]
td02 $CHLOE
other=$(xp "//*[local-name()='patient']/*[local-name()='id']/@extension")
check "wrongpatient TD0.2: the answer is about another patient ($other)" \
	sh -c "[ '$status' = 200 ] && [ -n '$other' ] && [ '$other' != $CHLOE ]"
td31 $CHLOE
check "wrongpatient TD3.1: entries name another patient" \
	[ "$(xp "count(//*[local-name()='ExternalIdentifier' and @identificationScheme='urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427' and @value='$CHLOE^^^&$OID&ISO^NH'])") $(count_entries)" = "0 5" ]
td32 $CHLOE "$BIO"
check "wrongpatient TD3.2: a document of another patient (hash differs)" \
	sh -c "[ '$(cda "//*[local-name()='patientRole']/*[local-name()='id']/@extension")' != $CHLOE ] && [ '$(sha1 "$DOC")' != '$(sha1 "$TMP/bio1.xml")' ]"
check "log: wrongpatient" grep -qE " dmp td3.1 $CHLOE wrongpatient$" "$TMP/sim.log"

dmp_fault badhash
td32 $CHLOE "$BIO"
check "badhash TD3.2: same size, other SHA-1, one byte differs" \
	sh -c "[ $(size_of "$DOC") = $(size_of "$TMP/bio1.xml") ] && [ '$(sha1 "$DOC")' != '$(sha1 "$TMP/bio1.xml")' ] &&
		[ \$(cmp -l '$DOC' '$TMP/bio1.xml' | wc -l) = 1 ]"
check "badhash: the document stays well-formed" xmllint --noout "$DOC"
td02 $CHLOE
check "badhash does not touch TD0.2" [ "$status $(dmpx autorisation)" = "200 VALIDE" ]

for code in DMPVIHF DMP_INDISPONIBLE DMP_AUTORISATION_INTERDITE DMP_ERREUR_TECHNIQUE; do
	dmp_fault "soap:$code"
	td31 $CHLOE
	expect_fault "soap:$code injected" "$code"
done
check "stats show the whole DMP fault code" \
	[ "$(sim_stat dmp_fault)" = soap:DMP_ERREUR_TECHNIQUE ]
dmp_fault soap:DMP_INDISPONIBLE
td02 $CHLOE
check "DMP_INDISPONIBLE is a Receiver fault" [ "$(code_value | sed 's/.*://')" = Receiver ]
dmp_fault http500
td02 $CHLOE
check "http500: HTTP 500 without SOAP" sh -c "[ '$status' = 500 ] && ! grep -q Envelope '$ANS'"
dmp_fault malformed
td31 $CHLOE
check "malformed: 200 with XML that does not parse" \
	sh -c "[ '$status' = 200 ] && [ -s '$ANS' ] && ! xmllint --noout '$ANS' 2>/dev/null"
td32 $CHLOE "$BIO"
check "malformed TD3.2: the MTOM answer is cut (no closing boundary)" \
	sh -c "[ '$status' = 200 ] && ! grep -aq -- '--$(boundary)--' '$ANS'"
dmp_fault delay:800
start=$(date +%s%N)
td02 $CHLOE
ms=$((($(date +%s%N) - start) / 1000000))
check "delay:800 answers normally after $ms ms" sh -c "[ '$(dmpx etat)' = ACTIF ] && [ $ms -ge 800 ]"
dmp_fault reset
td02 $CHLOE
check "reset: connection reset, no HTTP answer (curl $(cat "$TMP/curl.rc"))" \
	sh -c "[ '$status' = 000 ] && [ $(cat "$TMP/curl.rc") -eq 56 ]"
dmp_fault hang
envelope "$A_TD02" patients $CHLOE "$(td02_body $CHLOE)"
status=$(post patients "$A_TD02" --max-time 2)
check "hang: the client times out without an answer (curl $(cat "$TMP/curl.rc"))" \
	sh -c "[ '$status' = 000 ] && [ $(cat "$TMP/curl.rc") -eq 28 ]"
dmp_fault none
check "fault back to none" [ "$(sim_stat dmp_fault)" = none ]
check "log: DMP faults (soap, http500, malformed, reset, hang, badhash)" sh -c "
	grep -qE ' dmp td3.1 $CHLOE soap:DMP_INDISPONIBLE$' '$TMP/sim.log' &&
	grep -qE ' dmp td0.2 $CHLOE http500$' '$TMP/sim.log' && grep -qE ' dmp td3.1 $CHLOE malformed$' '$TMP/sim.log' &&
	grep -qE ' dmp td0.2 $CHLOE reset$' '$TMP/sim.log' && grep -qE ' dmp td0.2 $CHLOE hang$' '$TMP/sim.log' &&
	grep -qE ' dmp td3.2 [^ ]+ badhash$' '$TMP/sim.log'"

# --- hostile and wrong requests ------------------------------------------------------------
hostile() { # hostile WHAT FILE [CONTENT-TYPE]: expect DMP_REQUETE_INVALIDE and no leak
	rm -f "$ANS"
	status=$(sim_curl -o "$ANS" -w '%{http_code}' -H "Content-Type: ${3:-application/soap+xml; action=\"$A_TD02\"}" \
		--data-binary "@$2" "https://localhost:$SIM_PORT/si-dmp-server/v2/services/patients")
	check "$1: DMP_REQUETE_INVALIDE" sh -c "[ '$status' = 500 ] && [ '$(subcode)' = DMP_REQUETE_INVALIDE ] && ! grep -q 'root:' '$ANS'"
}
cat >"$TMP/laughs.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><x>&lol3;</x></soap:Body></soap:Envelope>
EOF
hostile "billion laughs (DOCTYPE)" "$TMP/laughs.xml"
envelope "$A_TD02" patients $CHLOE "$(td02_body $CHLOE)"
sed 's|<?xml version="1.0" encoding="UTF-8"?>|<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>|; s|extension="288046311341243"|extension="\&x;"|' \
	"$REQ" >"$TMP/xxe.xml"
hostile "XXE to /etc/passwd" "$TMP/xxe.xml"
printf 'ceci n est pas du XML <<<' >"$TMP/garbage.xml"
hostile "garbage" "$TMP/garbage.xml"
head -c $(($(size_of "$REQ") / 2)) "$REQ" >"$TMP/truncated.xml"
hostile "truncated request" "$TMP/truncated.xml"
sed 's|http://www.w3.org/2003/05/soap-envelope|http://schemas.xmlsoap.org/soap/envelope/|' "$REQ" >"$TMP/soap11.xml"
hostile "SOAP 1.1 envelope" "$TMP/soap11.xml"
hostile "text/xml content type" "$REQ" "text/xml; charset=utf-8"
hostile "action of another service" "$REQ" "application/soap+xml; action=\"$A_TD31\""
sed 's|xmlns:hl7="urn:hl7-org:v3"|xmlns:hl7="urn:hl7-org:v2"|' "$REQ" >"$TMP/wrongns.xml"
hostile "body in a wrong namespace (right prefix)" "$TMP/wrongns.xml"
sed 's|extension="288046311341243"|extension="28804631134124"|' "$REQ" >"$TMP/shortins.xml"
hostile "INS of 14 characters" "$TMP/shortins.xml"
envelope "$A_TD02" patients $CHLOE "$(td31_body $CHLOE)"
hostile "TD3.1 body sent to the patients service" "$REQ"
{ envelope "$A_TD02" patients $CHLOE "$(td02_body $CHLOE)"; cat "$REQ"
  head -c 1100000 /dev/zero | tr '\0' ' '; } >"$TMP/big.xml"
hostile "body over 1 MiB" "$TMP/big.xml"
envelope "$A_TD02" patients $CHLOE "$(td02_body $CHLOE)"
sed 's|<hl7:PRPA_IN201307UV02 |<hl7:PRPA_IN201307UV02 xmlns:v="urn:hl7-org:v3" |; s|<hl7:value |<v:value |' "$REQ" >"$TMP/prefix.xml"
cp "$TMP/prefix.xml" "$REQ"
status=$(post patients "$A_TD02")
check "another prefix for the same namespace is fine (namespace URIs, not prefixes)" \
	[ "$status $(dmpx etat)" = "200 ACTIF" ]
status=$(sim_curl -o /dev/null -w '%{http_code}' "https://localhost:$SIM_PORT/si-dmp-server/v2/services/patients")
check "GET on a DMP service: 405" [ "$status" = 405 ]
status=$(sim_curl -o /dev/null -w '%{http_code}' --data-binary x "https://localhost:$SIM_PORT/si-dmp-server/v2/services/nulle-part")
check "unknown DMP service: 404" [ "$status" = 404 ]

# --- log and counters ---------------------------------------------------------------------
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
check "log: TD0.2 lines (ok, nf)" sh -c "grep -qE '^$ts dmp td0.2 $CHLOE ok$' '$TMP/sim.log' &&
	grep -qE '^$ts dmp td0.2 $NOBODY nf$' '$TMP/sim.log'"
check "log: TD0.3 and TD3.1 lines" sh -c "grep -qE '^$ts dmp td0.3 $JULIEN ok$' '$TMP/sim.log' &&
	grep -qE '^$ts dmp td0.3 $KARIM soap:DMP_AUTORISATION_INTERDITE$' '$TMP/sim.log' &&
	grep -qE '^$ts dmp td3.1 $CHLOE 5$' '$TMP/sim.log'"
check "log: VIHF refusals" grep -qE "^$ts dmp td0.2 $CHLOE soap:DMPVIHF$" "$TMP/sim.log"
check "log: hostile request" grep -qE "^$ts dmp td0.2 - soap:DMP_REQUETE_INVALIDE$" "$TMP/sim.log"
check "log: every line has 5 fields" sh -c "awk 'NF != 5 { bad = 1 } END { exit bad }' '$TMP/sim.log'"
n=$(grep -cE "^$ts dmp td" "$TMP/sim.log")
check "stats: dmp_requests ($(sim_stat dmp_requests)) = DMP request lines of the log ($n)" \
	[ "$(sim_stat dmp_requests)" = "$n" ]
check "stats: per transaction counters add up" \
	[ $(($(sim_stat dmp_td02) + $(sim_stat dmp_td03) + $(sim_stat dmp_td31) + $(sim_stat dmp_td32))) = "$n" ]
check "stats: faults counted" [ "$(sim_stat dmp_faults)" -ge 30 ]
check "INSi counters untouched by DMP requests" [ "$(sim_stat insi_requests)" = 0 ]

# --- same documents after a restart ---------------------------------------------------------
h1=$(sha1 "$TMP/bio1.xml")
sim_stop
check "clean stop (exit $SIM_STATUS)" [ "$SIM_STATUS" = 0 ]
sim_start --dmp-patients "$SRCDIR/data/dmp-sim-patients.tsv" --fault dmp=soap:DMP_FERME ||
	fail "restart with --fault dmp=soap:DMP_FERME"
td02 $CHLOE
expect_fault "--fault dmp=soap:DMP_FERME from the command line" DMP_FERME
dmp_fault none
td32 $CHLOE "$BIO"
check "after a restart: the same CR-BIO bytes (deterministic documents)" [ "$(sha1 "$DOC")" = "$h1" ]
td02 $JULIEN
check "after a restart: TD0.3 authorisations are forgotten (memory only)" \
	[ "$(dmpx autorisation)" = AUCUNE ]
sim_stop
check "clean stop after the restart (exit $SIM_STATUS, no sanitizer report)" \
	sh -c "[ '$SIM_STATUS' = 0 ] && ! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$TMP/sim.err'"

finish
