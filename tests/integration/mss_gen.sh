#!/bin/sh
# "vigie-sim mss-message": the MSSanté test messages (CR-BIO, vaccination note, N1, replacement,
# deletion, patient messages, plain mail, PDF only, broken ZIP, unknown patient) are well-formed
# RFC 5322 with CRLF, carry the right headers, subject and IHE_XDM.ZIP content, are identical
# from one run to the next, and bad options are refused in French.
. "${SRCDIR:-.}/tests/lib.sh"

: "${VIGIE_SIM:=$(dirname "$VIGIE")/vigie-sim}"
CHLOE=288046311341243
JULIEN=186090331012749
NOBODY=279035121518989
OID=1.2.250.1.213.1.4.10
WHEN=202611180810
TABLE=$SRCDIR/data/dmp-sim-patients.tsv

gen() { # gen FILE OPTIONS...: a message into $TMP/FILE.eml (status in $TMP/FILE.rc)
	local f=$1; shift
	"$VIGIE_SIM" mss-message --dmp-patients "$TABLE" --date "$WHEN" "$@" \
		>"$TMP/$f.eml" 2>"$TMP/$f.err"
	echo $? >"$TMP/$f.rc"
}
ok() { [ "$(cat "$TMP/$1.rc")" = 0 ] && [ -s "$TMP/$1.eml" ]; }

# The decoded bytes of the attachment named NAME.
part() { # part FILE NAME
	tr -d '\r' <"$TMP/$1.eml" | awk -v name="$2" '
		/^--=_vigie-sim/ { inp = 0 }
		inp == 2 { print }
		inp == 1 && $0 == "" { inp = 2 }
		index($0, "name=\"" name "\"") { inp = 1 }' | base64 -d
}
zip_of() { part "$1" IHE_XDM.ZIP >"$TMP/$1.zip"; }
entry() { "$VIGIE_SIM" mss-extract "$TMP/$1.zip" "IHE_XDM/SUBSET01/$2"; }
# One header, unfolded, without its name.
header() { tr -d '\r' <"$TMP/$1.eml" | awk -v h="$2:" '
	/^$/ { exit } found && /^[ \t]/ { sub(/^[ \t]+/, ""); v = v " " $0; next }
	found { exit } index($0, h " ") == 1 { found = 1; v = substr($0, length(h) + 2) }
	END { print v }'; }
# RFC 2047 B words of a header decoded (UTF-8).
decoded() { header "$1" "$2" | tr ' ' '\n' | while read -r w; do
	case $w in
	=\?UTF-8\?B\?*) w=${w#=?UTF-8?B?}; printf '%s' "${w%?=}" | base64 -d ;;
	*) printf ' %s' "$w" ;;
	esac; done; }
slot() { # slot FILE NAME: the value of a METADATA.XML slot
	entry "$1" METADATA.XML | tr -d '\n' | sed 's/<ns2:Slot /\n&/g' |
		grep "name=\"$2\"" | sed 's/.*<ns2:Value>\([^<]*\)<.*/\1/' | head -1
}
all_crlf() { awk '!/\r$/ { bad++ } END { exit bad > 0 }' "$TMP/$1.eml"; }
short_lines() { awk 'length($0) > 79 { bad++ } END { exit bad > 0 }' "$TMP/$1.eml"; }
has() { grep -q -- "$2" "$TMP/$1.eml"; }
hasnt() { ! grep -q -- "$2" "$TMP/$1.eml"; }

# --- every type builds a message ------------------------------------------------------------
gen bio --type bio --patient "$CHLOE"
gen bio2 --type bio --patient "$CHLOE" --version 2
gen bio2d --type bio --patient "$CHLOE" --version 2 --action D
gen vacc --type vacc --patient "$CHLOE"
gen consult --type consult --patient "$CHLOE" --pdf-joint
gen adressage --type adressage --patient "$CHLOE"
gen synthese --type synthese --patient "$CHLOE" --urgent
gen texte --type texte --patient "$CHLOE"
gen pdf --type pdf --patient "$CHLOE"
gen broken --type zip-casse --patient "$CHLOE"
gen frompat --type texte --de "$CHLOE@patient.mssante.fr"
gen patpdf --type pdf --de "Chloé LEFÈVRE <$CHLOE@patient.mssante.fr>"
gen unknown --type bio --ins "$NOBODY" --nom "CORSE" --nom-utilise "SANTINI" \
	--prenoms "Figatellix Pierre" --sexe M --naissance 1988-10-12 --cog 2A004
gen contra --type bio --patient "$CHLOE" --xdm-ins "$JULIEN"
for f in bio bio2 bio2d vacc consult adressage synthese texte pdf broken frompat patpdf unknown \
	contra; do
	check "$f : message écrit, statut 0" ok "$f"
	check "$f : fins de ligne CRLF partout" all_crlf "$f"
	check "$f : lignes de 78 caractères au plus" short_lines "$f"
	check "$f : en-têtes From, To, Date, Message-ID, MIME-Version, X-MSS-NIL" sh -c "
		grep -q '^From: ' '$TMP/$f.eml' && grep -q '^To: ' '$TMP/$f.eml' &&
		grep -Eq '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000' '$TMP/$f.eml' &&
		grep -Eq '^Message-ID: <[^ ]+@[^ ]+>' '$TMP/$f.eml' &&
		grep -q '^MIME-Version: 1.0' '$TMP/$f.eml' && grep -q '^X-MSS-NIL: VIGIE-SIM' '$TMP/$f.eml'"
done

# --- the CR-BIO: headers, subject, archive ------------------------------------------------------
check "sujet RFC 2047 de la biologie" \
	[ "$(decoded bio Subject)" = "XDM/1.0/DDM+CR d'examens biologiques LEFÈVRE Chloé 12/04/1988" ]
check "X-MSS-CODECDA 11502-2 et X-MSS-INS O" has bio "^X-MSS-CODECDA: 11502-2"
check "X-MSS-INS: O" has bio "^X-MSS-INS: O"
check "multipart/mixed" has bio "^Content-Type: multipart/mixed;"
check "pièce jointe application/zip IHE_XDM.ZIP" has bio 'Content-Type: application/zip; name="IHE_XDM.ZIP"'
check "Content-Disposition de l'archive" has bio 'Content-Disposition: attachment; filename="IHE_XDM.ZIP"'
check "corps en quoted-printable UTF-8" has bio "Content-Transfer-Encoding: quoted-printable"
check "pas urgent par défaut" hasnt bio "^X-Priority"
zip_of bio
check "archive : commence par PK\\003\\004" [ "$(head -c 4 "$TMP/bio.zip" | od -An -c | tr -d ' ')" = 'PK003004' ]
for n in INDEX.HTM README.TXT IHE_XDM/ IHE_XDM/SUBSET01/ IHE_XDM/SUBSET01/DOC0001.XML \
	IHE_XDM/SUBSET01/METADATA.XML; do
	check "répertoire central : $n" grep -aq "$n" "$TMP/bio.zip"
done
"$VIGIE_SIM" mss-extract "$TMP/bio.zip" INDEX.HTM >"$TMP/index.htm"
"$VIGIE_SIM" mss-extract "$TMP/bio.zip" README.TXT >"$TMP/readme.txt"
entry bio DOC0001.XML >"$TMP/bio.xml"
entry bio METADATA.XML >"$TMP/bio.meta"
check "DOC0001.XML bien formé (xmllint)" xmllint --noout "$TMP/bio.xml"
check "METADATA.XML bien formé (xmllint)" xmllint --noout "$TMP/bio.meta"
check "INDEX.HTM : XHTML bien formé, lien vers README.TXT" sh -c "
	xmllint --noout '$TMP/index.htm' && grep -q 'href=\"README.TXT\"' '$TMP/index.htm'"
check "README.TXT nomme l'application émettrice" grep -q "Nom : vigie-sim" "$TMP/readme.txt"
check "CR-BIO : INS de la patiente" grep -q "extension=\"$CHLOE\"" "$TMP/bio.xml"
check "CR-BIO : valeurs anormales (H et L)" sh -c "
	grep -q 'interpretationCode code=\"H\"' '$TMP/bio.xml' &&
	grep -q 'interpretationCode code=\"L\"' '$TMP/bio.xml'"
check "CR-BIO : copie PDF intégrée" grep -q 'mediaType="application/pdf"' "$TMP/bio.xml"
check "METADATA : hash = SHA-1 de DOC0001.XML" \
	[ "$(slot bio hash)" = "$(sha1sum <"$TMP/bio.xml" | cut -c1-40)" ]
check "METADATA : size = taille de DOC0001.XML" [ "$(slot bio size)" = "$(wc -c <"$TMP/bio.xml" | tr -d ' ')" ]
check "METADATA : URI DOC0001.XML" [ "$(slot bio URI)" = DOC0001.XML ]
check "METADATA : sourcePatientId" [ "$(slot bio sourcePatientId)" = "$CHLOE^^^&amp;$OID&amp;ISO^NH" ]
check "METADATA : creationTime et serviceStartTime" sh -c "
	[ '$(slot bio serviceStartTime)' = ${WHEN}00 ] && [ -n '$(slot bio creationTime)' ]"
check "METADATA : lot de soumission et association HasMember" sh -c "
	grep -q 'ns2:RegistryPackage' '$TMP/bio.meta' &&
	grep -q 'AssociationType:HasMember' '$TMP/bio.meta' &&
	grep -q 'lcm:3.0' '$TMP/bio.meta'"
check "version 1, action C : pas de extraMetadataSlot" sh -c "
	! grep -q extraMetadataSlot '$TMP/bio.meta'"

# --- replacement and deletion ------------------------------------------------------------------
zip_of bio2
zip_of bio2d
entry bio2 DOC0001.XML >"$TMP/bio2.xml"
check "version 2 : même setId que la version 1" sh -c "
	[ \"\$(grep -o '<setId[^>]*>' '$TMP/bio.xml')\" = \"\$(grep -o '<setId[^>]*>' '$TMP/bio2.xml')\" ]"
check "version 2 : versionNumber 2" grep -q '<versionNumber value="2"/>' "$TMP/bio2.xml"
check "version 2 : relatedDocument RPLC vers l'id de la version 1" sh -c "
	grep -q 'relatedDocument typeCode=\"RPLC\"' '$TMP/bio2.xml' &&
	grep -q \"\$(grep -o '<id root=[^>]*>' '$TMP/bio.xml' | head -1 | sed 's/^<id //; s/\/>$//')\" '$TMP/bio2.xml'"
check "version 2 : extraMetadataSlot C" [ "$(slot bio2 urn:action:extraMetadataSlot)" = C ]
check "suppression : extraMetadataSlot D" [ "$(slot bio2d urn:action:extraMetadataSlot)" = D ]
entry bio2d DOC0001.XML >"$TMP/bio2d.xml"
check "suppression : même document que la version 2" cmp -s "$TMP/bio2.xml" "$TMP/bio2d.xml"
check "suppression : Message-ID différent" [ "$(header bio2 Message-ID)" != "$(header bio2d Message-ID)" ]

# --- other documents ---------------------------------------------------------------------------------
zip_of vacc
check "note de vaccination : X-MSS-CODECDA 87273-9" has vacc "^X-MSS-CODECDA: 87273-9"
entry vacc DOC0001.XML >"$TMP/vacc.xml"
check "note de vaccination : CDA bien formé" xmllint --noout "$TMP/vacc.xml"
check "note de vaccination : lot obligatoire" grep -q "<lotNumberText>" "$TMP/vacc.xml"
check "consultation --pdf-joint : copie PDF jointe" [ "$(part consult compte-rendu-consultation.pdf | head -c 5)" = "%PDF-" ]
check "consultation : X-MSS-CODECDA 11488-4" has consult "^X-MSS-CODECDA: 11488-4"
check "adressage : X-MSS-CODECDA 96349-6" has adressage "^X-MSS-CODECDA: 96349-6"
check "synthèse urgente : Priority et X-Priority" sh -c "
	grep -q '^Priority: urgent' '$TMP/synthese.eml' && grep -q '^X-Priority: 1' '$TMP/synthese.eml'"

# --- messages without XDM ---------------------------------------------------------------------------
check "texte : text/plain sans pièce jointe" sh -c "
	grep -q '^Content-Type: text/plain; charset=UTF-8' '$TMP/texte.eml' &&
	! grep -q 'multipart' '$TMP/texte.eml' && ! grep -q 'X-MSS-CODECDA' '$TMP/texte.eml'"
check "pdf seul : une pièce PDF, pas d'IHE_XDM" sh -c "
	grep -q 'Content-Type: application/pdf' '$TMP/pdf.eml' &&
	! grep -q 'IHE_XDM' '$TMP/pdf.eml' && ! grep -q 'X-MSS-CODECDA' '$TMP/pdf.eml'"
check "pdf seul : vrai PDF" [ "$(part pdf compte-rendu-consultation.pdf | head -c 5)" = "%PDF-" ]
check "patient : From INS@patient.mssante.fr" has frompat "^From: $CHLOE@patient.mssante.fr"
check "patient : texte signé par la patiente" has frompat "^Chlo=C3=A9 MARTIN"
check "patient : nom affiché RFC 2047" [ "$(header patpdf From | sed 's/ <.*//' | sed 's/=?UTF-8?B?//; s/?=$//' | base64 -d)" = "Chloé LEFÈVRE" ]
check "patient : PDF de résultats joint" [ "$(part patpdf resultats-analyses.pdf | head -c 5)" = "%PDF-" ]

# --- broken archive, unknown patient, contradiction ---------------------------------------------
zip_of broken
check "zip-casse : pièce jointe IHE_XDM.ZIP présente" has broken 'filename="IHE_XDM.ZIP"'
check "zip-casse : octets qui ne font pas une archive" sh -c "
	! '$VIGIE_SIM' mss-extract '$TMP/broken.zip' IHE_XDM/SUBSET01/DOC0001.XML >/dev/null 2>'$TMP/x.err' &&
	grep -q 'archive ZIP illisible' '$TMP/x.err'"
zip_of unknown
entry unknown DOC0001.XML >"$TMP/unknown.xml"
check "patient inconnu : INS et traits donnés dans le CDA" sh -c "
	grep -q 'extension=\"$NOBODY\"' '$TMP/unknown.xml' &&
	grep -q '<family qualifier=\"BR\">CORSE</family>' '$TMP/unknown.xml' &&
	grep -q '<family qualifier=\"CL\">SANTINI</family>' '$TMP/unknown.xml' &&
	grep -q '<county>2A004</county>' '$TMP/unknown.xml'"
check "patient inconnu : sujet" [ "$(header unknown Subject)" = "XDM/1.0/DDM+CR d'examens biologiques CORSE Figatellix 12/10/1988" ]
zip_of contra
check "--xdm-ins : METADATA nomme un autre patient que le CDA" sh -c "
	[ '$(slot contra sourcePatientId)' = '$JULIEN^^^&amp;$OID&amp;ISO^NH' ] &&
	entry_cda=\$('$VIGIE_SIM' mss-extract '$TMP/contra.zip' IHE_XDM/SUBSET01/DOC0001.XML) &&
	printf '%s' \"\$entry_cda\" | grep -q 'extension=\"$CHLOE\"'"

# --- determinism, output file, Message-ID ----------------------------------------------------------
gen bio_again --type bio --patient "$CHLOE"
gen broken_again --type zip-casse --patient "$CHLOE"
gen patpdf_again --type pdf --de "Chloé LEFÈVRE <$CHLOE@patient.mssante.fr>"
check "déterministe : CR-BIO" cmp -s "$TMP/bio.eml" "$TMP/bio_again.eml"
check "déterministe : zip-casse" cmp -s "$TMP/broken.eml" "$TMP/broken_again.eml"
check "déterministe : PDF du patient" cmp -s "$TMP/patpdf.eml" "$TMP/patpdf_again.eml"
"$VIGIE_SIM" mss-message --dmp-patients "$TABLE" --date "$WHEN" --type bio --patient "$CHLOE" \
	--sortie "$TMP/out.eml"
check "--sortie : mêmes octets que sur la sortie standard" cmp -s "$TMP/bio.eml" "$TMP/out.eml"
gen mid --type texte --message-id "abc.123@test.mssante.fr"
check "--message-id" [ "$(header mid Message-ID)" = "<abc.123@test.mssante.fr>" ]
"$VIGIE_SIM" mss-message --dmp-patients "$TABLE" --type texte >"$TMP/now.eml" 2>&1
check "sans --date : la date du jour" grep -q "^Date: .*$(date -u +%Y)" "$TMP/now.eml"

# --- refusals, in French, nothing written ---------------------------------------------------------
refused() { # refused STATUS PATTERN OPTIONS...
	local want=$1 pat=$2; shift 2
	"$VIGIE_SIM" mss-message --dmp-patients "$TABLE" --date "$WHEN" "$@" >"$TMP/r.out" 2>"$TMP/r.err"
	local rc=$?
	[ "$rc" = "$want" ] && [ ! -s "$TMP/r.out" ] && grep -q -- "$pat" "$TMP/r.err"
}
check "patient absent de la table : statut 1" refused 1 "absent de la table" --patient 100000000000000
check "--action X : statut 2" refused 2 "C (création ou remplacement) ou D" --patient "$CHLOE" --action X
check "--type inconnu" refused 2 "bio, vacc, consult" --type radio --patient "$CHLOE"
check "--date invalide" refused 2 "AAAAMMJJhhmm" --patient "$CHLOE" --date 202602301200
check "--version 0" refused 2 "de 1 à 9" --patient "$CHLOE" --version 0
check "un patient n'envoie pas de CDA" refused 1 "n'envoie pas de document CDA" --type bio --de "$CHLOE@patient.mssante.fr"
check "CDA sans patient" refused 1 "patient manquant" --type vacc
check "traits incomplets" refused 1 "obligatoires" --type bio --ins "$NOBODY" --nom X
check "--patient et traits à la fois" refused 1 "exclusifs" --patient "$CHLOE" --ins "$NOBODY"
check "--pdf-joint sur la note de vaccination" refused 1 "pas de copie PDF" --type vacc --patient "$CHLOE" --pdf-joint
check "--version sur un texte" refused 1 "ne s'appliquent qu'aux documents CDA" --type texte --version 2
check "adresse mal formée" refused 1 "adresse" --type texte --de "pas une adresse"
check "table illisible" refused 1 "illisible" --patient "$CHLOE" --dmp-patients "$TMP/absente.tsv"
check "--help en français" sh -c "'$VIGIE_SIM' mss-message --help | grep -q 'Usage : vigie-sim mss-message'"

finish
