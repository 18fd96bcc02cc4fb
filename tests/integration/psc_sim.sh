#!/bin/sh
# vigie-net psc against vigie-sim: CIBA sign-in approved, refused, expired, abandoned, wrong
# client secret, unknown professional, refresh (rotation, expiry), logout, injected faults, TLS.
. "${SRCDIR:-.}/tests/lib.sh"
. "$SRCDIR/tests/sim.sh"

NET=$(dirname "$VIGIE")/vigie-net
out="$TMP/out"
err="$TMP/err"

sim_start --psc-users "$SRCDIR/data/psc-sim-users.tsv" --fault ciba=approve:1500,interval:1 ||
	{ echo "psc_sim: 0 passed, 1 failed"; exit 1; }

ciba() { sim_curl -f -o /dev/null --data-binary "ciba=$1" "https://localhost:$SIM_PORT/_sim/fault"; }
pfault() { sim_curl -f -o /dev/null --data-binary "psc=$1" "https://localhost:$SIM_PORT/_sim/fault"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# psc OP [name=value...]: one request to "vigie-net psc" (names: hint, secret, wait, timeout,
# ca, rt, it, binding); the reply in $out, the exit status in $rc, the time taken in $ms.
psc() {
	local op=$1 hint=889900000001 secret=secret-demo wait=30 timeout=5000 ca=$SIM_CA
	local rt= it= binding=42 a t0
	shift
	for a in "$@"; do
		case $a in
		hint=*) hint=${a#*=} ;; secret=*) secret=${a#*=} ;; wait=*) wait=${a#*=} ;;
		timeout=*) timeout=${a#*=} ;; ca=*) ca=${a#*=} ;; rt=*) rt=${a#*=} ;;
		it=*) it=${a#*=} ;; binding=*) binding=${a#*=} ;;
		esac
	done
	t0=$(now_ms)
	printf 'op: %s\nissuer: https://localhost:%s/psc\nclient_id: vigie-demo\nclient_secret: %s
ca: %s\ncert: \nkey: \nscope: openid scope_all\nacr: eidas1\nchannel: MOBILE
connect_timeout_ms: 2000\ntimeout_ms: %s\nmax_wait_s: %s\nlogin_hint: %s\nbinding_message: %s
refresh_token: %s\nid_token: %s\nend: \n' "$op" "$SIM_PORT" "$secret" "$ca" "$timeout" "$wait" \
		"$hint" "$binding" "$rt" "$it" | "$NET" psc >"$out" 2>"$err"
	rc=$?
	ms=$(($(now_ms) - t0))
}
has() { grep -qxF -- "$1" "$out" || { echo "--- missing line: $1"; cat "$out" "$err"; return 1; }; }
val() { sed -n "s/^$1: //p" "$out"; }
logged() { grep -qE -- "^[^ ]+ psc $1\$" "$TMP/sim.log" || { echo "--- not in the log: $1"; tail -5 "$TMP/sim.log"; return 1; }; }
between() { [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ] || { echo "--- $1 not in [$2, $3)"; return 1; }; }
lines() { grep -cE -- "^[^ ]+ psc $1\$" "$TMP/sim.log"; }

# --- approved after 1.5 s: one poll pending, the next one gets the tokens ---------------
psc ciba
check "approve: exit 0, rc 0" sh -c "[ $rc -eq 0 ] && grep -qx 'rc: 0' '$out'"
check "approve: the professional from userinfo" sh -c "grep -qx 'national_id: 889900000001' '$out' && grep -qx 'family: MARTIN' '$out' && grep -qx 'given: Jeanne' '$out'"
check "approve: profession, speciality, acr" sh -c "grep -qx 'profession: 10' '$out' && grep -qx 'speciality: SM54' '$out' && grep -qx 'user_acr: eidas1' '$out'"
check "approve: tokens and lifetimes" sh -c "grep -qE '^access_token: [0-9a-f]{64}$' '$out' && grep -qE '^id_token: [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[0-9a-f]+$' '$out' && grep -qx 'expires_in: 300' '$out' && grep -qx 'refresh_expires_in: 1800' '$out'"
check "approve: waited for the approval (1.5 s .. 4 s, took $ms ms)" between "$ms" 1500 4000
check "log: ciba request" logged "ciba 889900000001 ok"
check "log: polled while pending, then tokens" sh -c "grep -q ' psc token - pending$' '$TMP/sim.log' && grep -q ' psc token - ok$' '$TMP/sim.log'"
check "log: userinfo" logged "userinfo 889900000001 200"
check "no slow_down: the announced interval was kept" [ "$(lines 'token - slow_down')" -eq 0 ]
RT=$(val refresh_token)
IT=$(val id_token)
AT=$(val access_token)

psc ciba hint=899700218896 binding=07
check "ANS test user: identity, no speciality" sh -c "[ $rc -eq 0 ] && grep -qx 'family: SPECIALISTE0021889' '$out' && grep -qx 'given: ROBERT' '$out' && grep -qx 'speciality: ' '$out'"

# --- refused, expired, abandoned ------------------------------------------------------------
ciba deny:300
psc ciba
check "deny: PSC_ERR_DENIED" sh -c "[ $rc -eq 0 ] && grep -qx 'rc: -6' '$out' && grep -qx 'error_code: access_denied' '$out'"
check "deny: French message" has "error_message: Connexion refusée sur l'application e-CPS"
check "deny: no token" sh -c "! grep -q '^access_token' '$out'"
check "log: denied" logged "token - denied"

ciba expire:2
psc ciba
check "expire: PSC_ERR_EXPIRED" has "rc: -7"
check "expire: the code in the message" has "error_message: Demande expirée : personne n'a validé le code 42 à temps"
check "expire: after about 2 s (took $ms ms)" between "$ms" 1900 5000
check "log: expired" logged "token - expired"

ciba approve:8000
psc ciba wait=2
check "attente_max reached first: PSC_ERR_TIMEOUT" has "rc: -3"
check "attente_max: message" has "error_message: Code 42 non validé en 2 s : demande abandonnée (voir [psc] attente_max)"
check "attente_max: gave up after about 2 s (took $ms ms)" between "$ms" 1900 4500
ciba approve:300

# --- client and professional refused ----------------------------------------------------------
psc ciba secret=wrong-secret
check "wrong secret: invalid_client" sh -c "grep -qx 'rc: -10' '$out' && grep -qx 'error_code: invalid_client' '$out'"
check "wrong secret: says which settings" grep -qF "[psc] client_id et client_secret" "$out"
check "log: invalid_client" logged "ciba 889900000001 invalid_client"
psc ciba hint=123456789012
check "unknown professional: unknown_user_id" sh -c "grep -qx 'error_code: unknown_user_id' '$out' && grep -qF 'Identifiant national 123456789012 inconnu' '$out'"
psc ciba binding=4
check "bad binding refused before any call" sh -c "grep -qx 'rc: -1' '$out' && grep -qF 'deux chiffres' '$out'"

# --- refresh, rotation, logout -----------------------------------------------------------------
psc refresh rt="$RT" it="$IT"
check "refresh: rc 0 and the same professional" sh -c "grep -qx 'rc: 0' '$out' && grep -qx 'national_id: 889900000001' '$out'"
check "refresh: new access and refresh tokens" sh -c "[ \"$(val access_token)\" != '$AT' ] && [ \"$(val refresh_token)\" != '$RT' ] && [ -n \"$(val refresh_token)\" ]"
check "log: refresh" logged "refresh - ok"
RT2=$(val refresh_token)
IT2=$(val id_token)
psc refresh rt="$RT" it="$IT"
check "refresh: a used refresh token is refused (rotation)" sh -c "grep -qx 'rc: -7' '$out' && grep -qF 'Session Pro Santé Connect expirée : reconnectez-vous' '$out'"

psc logout rt="$RT2" it="$IT2"
check "logout: rc 0" sh -c "[ $rc -eq 0 ] && grep -qx 'rc: 0' '$out' && grep -qx 'signed_out: 1' '$out'"
check "log: logout" logged "logout 889900000001 204"
psc refresh rt="$RT2" it="$IT2"
check "after logout the session is gone" has "rc: -7"

# access token lifetime: ttl:2, the token dies, userinfo refuses it
ciba approve:0,ttl:2
psc ciba
check "ttl: expires_in 2" has "expires_in: 2"
AT=$(val access_token)
RT=$(val refresh_token)
code=$(sim_curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT" \
	"https://localhost:$SIM_PORT/psc/protocol/openid-connect/userinfo")
check "ttl: live access token accepted by userinfo" [ "$code" = 200 ]
sleep 2.2
code=$(sim_curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT" \
	"https://localhost:$SIM_PORT/psc/protocol/openid-connect/userinfo")
check "ttl: expired access token refused by userinfo" [ "$code" = 401 ]
psc refresh rt="$RT"
check "ttl: the refresh token still works" sh -c "grep -qx 'rc: 0' '$out' && grep -qx 'expires_in: 2' '$out'"

# acr: a stronger level than eidas1 is accepted, another one is refused
ciba approve:0,acr:eidas3
psc ciba
check "acr eidas3 satisfies eidas1" sh -c "grep -qx 'rc: 0' '$out' && grep -qx 'user_acr: eidas3' '$out'"
ciba acr:faible
psc ciba
check "unknown acr refused" sh -c "grep -qx 'rc: -10' '$out' && ! grep -q '^access_token' '$out'"
check "unknown acr: message" grep -qF "Niveau d'authentification « faible » au lieu de « eidas1 »" "$out"
ciba default,approve:300,interval:1

# --- faults on the token endpoint, TLS, bad requests ---------------------------------------
pfault http500
psc ciba
check "http500: PSC_ERR_HTTP" sh -c "grep -qx 'rc: -5' '$out' && grep -qF 'HTTP 500' '$out'"
pfault malformed
psc ciba
check "malformed: PSC_ERR_PARSE" has "rc: -8"
pfault reset
psc ciba
check "reset: PSC_ERR_CONNECT" has "rc: -2"
pfault hang
psc ciba timeout=1500
check "hang: PSC_ERR_TIMEOUT within the HTTP timeout (took $ms ms)" sh -c "grep -qx 'rc: -3' '$out' && [ $ms -lt 5000 ]"
pfault delay:1500
psc ciba timeout=5000
check "delay: still signs in" has "rc: 0"
pfault none

psc ciba ca=/dev/null
check "unknown CA: PSC_ERR_TLS or config" sh -c "grep -qE '^rc: -(4|1)$' '$out'"
psc ciba ca=
check "system store does not know the test CA: PSC_ERR_TLS" has "rc: -4"
printf 'op: ciba\nissuer: https://localhost/psc\n' | "$NET" psc >"$out" 2>"$err"
check "request without end: exit 2, nothing on stdout" sh -c "[ $? -eq 2 ] && [ ! -s '$out' ]"

# --- the simulator on its own ------------------------------------------------------------------
CIBA_URL="https://localhost:$SIM_PORT/psc/protocol/openid-connect/ext/ciba/auth"
TOKEN_URL="https://localhost:$SIM_PORT/psc/protocol/openid-connect/token"
ciba approve:3000,interval:5
id=$(sim_curl -u vigie-demo:secret-demo -d 'scope=openid&login_hint=889900000001&binding_message=12' \
	"$CIBA_URL" | sed -n 's/.*"auth_req_id":"\([0-9a-f]*\)".*/\1/p')
poll() { sim_curl -u vigie-demo:secret-demo -d "grant_type=urn:openid:params:grant-type:ciba&auth_req_id=$id" "$TOKEN_URL"; }
a1=$(poll)
a2=$(poll)
check "sim: first poll pending" sh -c "echo '$a1' | grep -q authorization_pending"
check "sim: polling faster than the interval gets slow_down" sh -c "echo '$a2' | grep -q slow_down"
a1=$(sim_curl -u vigie-demo:secret-demo -d 'scope=openid&login_hint=889900000001&binding_message=123' "$CIBA_URL")
check "sim: binding message of 3 digits refused" sh -c "echo '$a1' | grep -q invalid_binding_message"
code=$(sim_curl -s -o /dev/null -w '%{http_code}' -d 'scope=openid&login_hint=889900000001&binding_message=12' "$CIBA_URL")
check "sim: no client authentication -> 401" [ "$code" = 401 ]
a1=$(sim_curl -u vigie-demo:secret-demo -d 'grant_type=refresh_token&refresh_token=a&refresh_token=b' "$TOKEN_URL")
check "sim: repeated parameter refused" sh -c "echo '$a1' | grep -q invalid_request"
check "sim: bad behaviour refused" sh -c "! $(command -v curl) -sSf --cacert '$SIM_CA' -o /dev/null --data-binary 'ciba=sometimes' https://localhost:$SIM_PORT/_sim/fault 2>/dev/null"
check "sim: stats approved/denied" sh -c "[ $(sim_stat psc_approved) -ge 5 ] && [ $(sim_stat psc_denied) -eq 1 ]"
check "sim: stats refreshes/logouts" sh -c "[ $(sim_stat psc_refreshes) -ge 2 ] && [ $(sim_stat psc_logouts) -eq 1 ]"
check "sim: stats behaviour" [ "$(sim_stat psc_ciba)" = approve:3000,interval:5,ttl:300,refresh_ttl:1800,acr:eidas1 ]
check "sim: log lines carry no token" sh -c "! grep -qE '[0-9a-f]{64}' '$TMP/sim.log'"

sim_stop
check "sim stopped cleanly" [ "$SIM_STATUS" -eq 0 ]
finish
