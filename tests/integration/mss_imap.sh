#!/bin/sh
# "vigie-net mss" against a real Dovecot on loopback (tests/mss.sh): first fetch archives every
# message byte for byte (0600), the next only the new ones, nothing becomes \Seen, a new
# UIDVALIDITY fetches everything again, max_messages leaves the rest, an oversize message gives
# its header only; wrong password, wrong CA, nothing listening, a killed server, a connection
# dropped in the middle of a message (tcpcut): the right error kind, a French message without
# the secret, the messages before kept, no temporary file left; OAUTHBEARER and XOAUTH2.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/mss.sh"

NET=$(dirname "$VIGIE")/vigie-net
TCPCUT=$(dirname "$VIGIE")/tests/tools/tcpcut
ARCH=$TMP/archive
out=$TMP/out
err=$TMP/err
TCPCUT_PID=

mss_server_start || { echo "mss_imap: 0 passed, 1 failed"; exit 1; }
trap '[ -n "$TCPCUT_PID" ] && kill "$TCPCUT_PID" 2>/dev/null; mss_server_stop; cleanup' EXIT

# msg FILE N [BODY_BYTES]: a small RFC 5322 message with CRLF line ends (IMAP's own).
msg() {
	{
		printf 'From: Dr Paul Durand <paul.durand@test.mssante.fr>\r\n'
		printf 'To: %s\r\n' "$MSS_USER"
		printf 'Subject: Compte rendu %s\r\n' "$2"
		printf 'Date: Mon, 10 Nov 2025 10:%02d:00 +0100\r\n' "$(($2 % 60))"
		printf 'Message-ID: <test-%s@test.mssante.fr>\r\n' "$2"
		printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
		printf 'Bonjour,\r\nvoici le compte rendu numéro %s.\r\n' "$2"
		if [ "${3:-0}" -gt 0 ]; then
			head -c "$3" /dev/zero | tr '\0' 'x' | fold -w 76 | sed 's/$/\r/'
			printf '\n'
		fi
	} >"$1"
}

# fetch [extra request lines...]: vigie-net mss, reply in $out, exit status in $rc.
URL=$MSS_URL
fetch() {
	{
		printf 'operation: fetch\nurl: %s\nmailbox: INBOX\nuser: %s\n' "$URL" "$MSS_USER"
		printf 'ca_file: %s\narchive: %s\nconnect_timeout_ms: 5000\ntimeout_ms: 10000\n' \
			"$CA" "$ARCH"
		for l in "$@"; do
			printf '%s\n' "$l"
		done
		case " $* " in
		*"auth: "*) ;;
		*) printf 'password: %s\n' "$PASSWORD" ;;
		esac
		printf 'end:\n'
	} | "$NET" mss >"$out" 2>"$err"
	rc=$?
}
CA=$MSS_CA
PASSWORD=$MSS_PASSWORD
val() { sed -n "s/^$1: //p" "$out" | head -n 1; }
uids() { sed -n 's/^msg_uid: //p' "$out" | tr '\n' ' ' | sed 's/ $//'; }
is() { # is KEY VALUE
	[ "$(val "$1")" = "$2" ] || { echo "--- $1: '$(val "$1")', expected '$2'"; cat "$err"; \
		grep -E '^(kind|message):' "$out"; return 1; }
}
seen_count() { mss_doveadm fetch -u "$MSS_USER" flags mailbox INBOX | grep -c 'Seen'; }
no_tmp() { [ -z "$(find "$ARCH" -name '*.tmp')" ]; }

for i in 1 2 3; do
	msg "$TMP/m$i.eml" "$i"
	mss_deliver "$TMP/m$i.eml"
done
UV=$(mss_uidvalidity)

# --- first fetch: everything, byte for byte ---------------------------------------------------
fetch
check "first fetch: exit 0" [ "$rc" -eq 0 ]
check "first fetch: kind 0" is kind 0
check "first fetch: the box's UIDVALIDITY" is uidvalidity "$UV"
check "first fetch: three messages, oldest first" [ "$(uids)" = "1 2 3" ]
check "first fetch: last_uid 3" is last_uid 3
check "first fetch: nothing remaining, no reset" sh -c "grep -qx 'remaining: 0' '$out' && grep -qx 'reset: 0' '$out'"
check "archived as <uidvalidity>-<uid>.eml" [ -f "$ARCH/$UV-1.eml" ] && [ -f "$ARCH/$UV-3.eml" ]
check "archived byte for byte" sh -c "cmp -s '$TMP/m1.eml' '$ARCH/$UV-1.eml' && cmp -s '$TMP/m2.eml' '$ARCH/$UV-2.eml' && cmp -s '$TMP/m3.eml' '$ARCH/$UV-3.eml'"
check "archive files are 0600" [ "$(stat -c %a "$ARCH/$UV-2.eml")" = 600 ]
check "archive directory created 0700" [ "$(stat -c %a "$ARCH")" = 700 ]
check "the reply names the archived file" grep -qx "msg_file: $ARCH/$UV-1.eml" "$out"
check "the message was read (subject)" grep -qx "msg_subject: Compte rendu 2" "$out"
check "nothing marked \\Seen on the server" [ "$(seen_count)" -eq 0 ]
check "no temporary file left" no_tmp

# --- incremental ------------------------------------------------------------------------------
for i in 4 5; do
	msg "$TMP/m$i.eml" "$i"
	mss_deliver "$TMP/m$i.eml"
done
fetch "uidvalidity: $UV" "last_uid: 3"
check "second fetch: only the new ones" [ "$(uids)" = "4 5" ]
check "second fetch: last_uid 5" is last_uid 5
check "second fetch: no reset" is reset 0
fetch "uidvalidity: $UV" "last_uid: 5"
# IMAP's 6:* still names UID 5: it must not come back.
check "nothing new: no message (n:* rule)" is msgs 0
check "nothing new: last_uid stays 5" is last_uid 5
check "still nothing \\Seen after fetches" [ "$(seen_count)" -eq 0 ]

# --- the server renumbers the box -------------------------------------------------------------
mss_uidvalidity_reset
UV2=$(mss_uidvalidity)
fetch "uidvalidity: $UV" "last_uid: 5"
check "new UIDVALIDITY: reset 1" is reset 1
check "new UIDVALIDITY: reported" is uidvalidity "$UV2"
check "new UIDVALIDITY: every message again" is msgs 5
check "new UIDVALIDITY: archived under the new key" cmp -s "$TMP/m5.eml" "$ARCH/$UV2-5.eml"

# --- max_messages -----------------------------------------------------------------------------
fetch "uidvalidity: $UV2" "last_uid: 2" "max_messages: 2"
check "max_messages 2 of 3: two fetched" [ "$(uids)" = "3 4" ]
check "max_messages 2 of 3: remaining 1" is remaining 1
check "max_messages 2 of 3: last_uid 4" is last_uid 4

# --- a message above the size limit -----------------------------------------------------------
msg "$TMP/big.eml" 6 1200000
mss_deliver "$TMP/big.eml"
fetch "uidvalidity: $UV2" "last_uid: 5" "max_message: 1048576"
check "oversize: listed" [ "$(uids)" = 6 ]
check "oversize: French reason, stays on the server" grep -qE "^msg_error: Message de 1,[0-9] Mo non téléchargé \(limite 1 Mo\) : il reste sur le serveur de messagerie\.$" "$out"
check "oversize: header only in the archive" [ "$(stat -c %s "$ARCH/$UV2-6.eml")" -lt 2000 ]
check "oversize: header read (subject)" grep -qx "msg_subject: Compte rendu 6" "$out"
check "oversize: last_uid moves on" is last_uid 6

# --- authentication and TLS failures ----------------------------------------------------------
PASSWORD=mauvais-mot-de-passe-42
fetch "uidvalidity: $UV2" "last_uid: 6"
check "wrong password: exit 0 (the reply says it)" [ "$rc" -eq 0 ]
check "wrong password: kind -5" is kind -5
check "wrong password: French message naming the server" grep -q "^message: Connexion refusée par le serveur MSSanté localhost" "$out"
check "wrong password: the password is not in the reply" sh -c "! grep -q 'mauvais-mot-de-passe-42' '$out' '$err'"
PASSWORD=$MSS_PASSWORD

sh "$SRCDIR/scripts/make-certs.sh" "$TMP/other-certs" >/dev/null
CA=$TMP/other-certs/ca.pem
fetch "uidvalidity: $UV2" "last_uid: 6"
check "unknown CA: kind -4 (TLS)" is kind -4
check "unknown CA: French message" grep -q "^message: Certificat du serveur MSSanté localhost non reconnu" "$out"
CA=$MSS_CA

URL=imaps://localhost:1
fetch
check "nothing listening: kind -2" is kind -2
check "nothing listening: French message" grep -q "^message: Serveur MSSanté localhost injoignable" "$out"
URL=https://localhost:$MSS_PORT
fetch
check "https:// address refused: kind -1" is kind -1
URL=$MSS_URL

# --- OAuth 2 tokens ---------------------------------------------------------------------------
fetch "uidvalidity: $UV2" "last_uid: 5" "auth: OAUTHBEARER" "token: $MSS_TOKEN"
check "OAUTHBEARER token accepted" is kind 0
check "OAUTHBEARER: the new message" [ "$(uids)" = 6 ]
check "OAUTHBEARER on the wire (server log)" grep -q "Login: user=<$MSS_USER>, method=OAUTHBEARER" "$MSS_LOG"
fetch "uidvalidity: $UV2" "last_uid: 6" "auth: XOAUTH2" "token: $MSS_TOKEN"
check "XOAUTH2 token accepted" is kind 0
check "XOAUTH2 on the wire (server log)" grep -q "Login: user=<$MSS_USER>, method=XOAUTH2" "$MSS_LOG"
fetch "auth: OAUTHBEARER" "token: jeton-perime-99"
check "refused token: kind -5" is kind -5
check "refused token: message names the token setting, not the token" sh -c "grep -q '^message: .*jeton OAUTHBEARER refusé' '$out' && ! grep -q 'jeton-perime-99' '$out' '$err'"

# --- connection dropped in the middle of the 2nd of 3 messages --------------------------------
for i in 7 8 9; do
	msg "$TMP/m$i.eml" "$i" 100000
	mss_deliver "$TMP/m$i.eml"
done
rm -f "$TMP/cut.port"
"$TCPCUT" "$TMP/cut.port" "$MSS_PORT" 150000 &
TCPCUT_PID=$!
i=0
while [ ! -s "$TMP/cut.port" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
URL=imaps://localhost:$(cat "$TMP/cut.port")
fetch "uidvalidity: $UV2" "last_uid: 6"
check "dropped mid-fetch: kind -6" is kind -6
check "dropped mid-fetch: French message naming the message" grep -q "^message: Connexion au serveur MSSanté localhost interrompue pendant la lecture du message 8" "$out"
check "dropped mid-fetch: the first message is kept" [ "$(uids)" = 7 ]
check "dropped mid-fetch: last_uid 7" is last_uid 7
check "dropped mid-fetch: the first is whole" cmp -s "$TMP/m7.eml" "$ARCH/$UV2-7.eml"
check "dropped mid-fetch: no partial file" sh -c "[ ! -e '$ARCH/$UV2-8.eml' ]"
check "dropped mid-fetch: no temporary file left" no_tmp
kill "$TCPCUT_PID" 2>/dev/null
wait "$TCPCUT_PID" 2>/dev/null
TCPCUT_PID=
URL=$MSS_URL
fetch "uidvalidity: $UV2" "last_uid: 7"
check "next fetch gets the rest" [ "$(uids)" = "8 9" ]
check "the rest is whole" sh -c "cmp -s '$TMP/m8.eml' '$ARCH/$UV2-8.eml' && cmp -s '$TMP/m9.eml' '$ARCH/$UV2-9.eml'"

# --- parse a saved message --------------------------------------------------------------------
printf 'operation: parse\nfile: %s\narchive: %s\nend:\n' "$TMP/m1.eml" "$ARCH" | "$NET" mss >"$out" 2>"$err"
check "parse: kind 0" is kind 0
check "parse: key import-<sha1>" is msg "import-$(sha1sum "$TMP/m1.eml" | cut -c1-40)"
printf 'operation: parse\nfile: %s\narchive: %s\nend:\n' "$TMP/absent.eml" "$ARCH" | "$NET" mss >"$out" 2>"$err"
check "parse of a missing file: kind -8, French" sh -c "grep -qx 'kind: -8' '$out' && grep -q '^message: .*illisible' '$out'"
printf 'operation: fetch\nurl: %s\n' "$MSS_URL" | "$NET" mss >"$out" 2>"$err"
rc=$?
check "incomplete request: exit 2" [ "$rc" -eq 2 ]
check "incomplete request: French reason" grep -q "incomplète" "$err"

# --- a frozen server: the connection is accepted, nothing more comes ---------------------------
FROZEN="$MSS_PID $(ps -o pid= --ppid "$MSS_PID")"
kill -STOP $FROZEN
fetch "uidvalidity: $UV2" "last_uid: 9" "connect_timeout_ms: 1500" "timeout_ms: 1500"
kill -CONT $FROZEN
check "frozen server: kind -3 (timeout)" is kind -3
check "frozen server: French message" grep -q "^message: Délai dépassé : le serveur MSSanté localhost" "$out"

# --- temporary files of killed runs -----------------------------------------------------------
: >"$ARCH/$UV2-98.eml.4242.tmp"
: >"$ARCH/$UV2-99.eml.4243.tmp"
touch -d '2 hours ago' "$ARCH/$UV2-98.eml.4242.tmp"
fetch "uidvalidity: $UV2" "last_uid: 9"
check "an old temporary file is removed" [ ! -e "$ARCH/$UV2-98.eml.4242.tmp" ]
check "a recent one (another run) is left alone" [ -e "$ARCH/$UV2-99.eml.4243.tmp" ]
rm -f "$ARCH/$UV2-99.eml.4243.tmp"

# --- the server dies --------------------------------------------------------------------------
mss_server_kill
fetch "uidvalidity: $UV2" "last_uid: 9"
check "killed server: kind -2" is kind -2
check "no temporary file left at the end" no_tmp

finish
