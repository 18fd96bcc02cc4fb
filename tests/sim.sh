# vigie-sim helpers for the shell tests (source after tests/lib.sh): certificates, start and
# stop on a free loopback port, a vigie.conf pointing to it, fault changes at run time.
# shellcheck shell=sh

: "${VIGIE_SIM:=$(dirname "$VIGIE")/vigie-sim}"
SIM_PID=
SIM_PORT=
SIM_URL=
SIM_CA=
SIM_STATUS=

# curl towards the simulator: test CA, and the client certificate (sent only when asked for).
sim_curl() {
	curl -sS --max-time 10 --cacert "$SIM_CA" --cert "$TMP/certs/client.pem" \
		--key "$TMP/certs/client.key" "$@"
}

sim_start() { # sim_start [extra vigie-sim options]
	sh "$SRCDIR/scripts/make-certs.sh" "$TMP/certs" || { echo "make-certs failed"; return 1; }
	SIM_CA=$TMP/certs/ca.pem
	rm -f "$TMP/sim.port"
	"$VIGIE_SIM" --port 0 --port-file "$TMP/sim.port" --cert "$TMP/certs/server.pem" \
		--key "$TMP/certs/server.key" --log "$TMP/sim.log" \
		--identities "$SRCDIR/data/insi-sim-identities.tsv" \
		--dmp-patients "$SRCDIR/data/dmp-sim-patients.tsv" \
		--psc-users "$SRCDIR/data/psc-sim-users.tsv" "$@" \
		>"$TMP/sim.out" 2>"$TMP/sim.err" &
	SIM_PID=$!
	local i=0
	while [ ! -s "$TMP/sim.port" ]; do
		if ! kill -0 "$SIM_PID" 2>/dev/null || [ "$i" -ge 100 ]; then
			echo "vigie-sim did not start:"
			cat "$TMP/sim.err"
			SIM_PID=
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	SIM_PORT=$(cat "$TMP/sim.port")
	SIM_URL=https://localhost:$SIM_PORT/lps
	# Listening is not enough: wait until TLS and the handler answer.
	i=0
	until sim_curl -o /dev/null "https://localhost:$SIM_PORT/_sim/stats" 2>/dev/null; do
		[ "$i" -ge 100 ] && { echo "vigie-sim does not answer"; return 1; }
		sleep 0.05
		i=$((i + 1))
	done
	export SIM_PORT SIM_URL SIM_CA
	cat >"$TMP/vigie.conf" <<EOF
[insi]
adresse = $SIM_URL
ca = $SIM_CA
certificat = $TMP/certs/client.pem
cle = $TMP/certs/client.key
idam = VIGIE-TEST-0001
emetteur = cabinet.test@vigie.invalid
instance = 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f
[dmp]
adresse = https://localhost:$SIM_PORT/si-dmp-server/v2/services
ca = $SIM_CA
certificat = $TMP/certs/client.pem
cle = $TMP/certs/client.key
cachet_certificat = $TMP/certs/seal.pem
cachet_cle = $TMP/certs/seal.key
structure = 3750000001
nom_structure = Cabinet de démonstration Vigie
homologation = VIGIE-TEST-DMP
[psc]
emetteur = https://localhost:$SIM_PORT/psc
client_id = vigie-demo
client_secret = secret-demo
ca = $SIM_CA
EOF
}

sim_fault() { # sim_fault SPEC: the insi fault from now on (or SERVICE=SPEC: dmp, psc, ciba)
	case $1 in
	*=*) sim_curl -f -o /dev/null --data-binary "$1" "https://localhost:$SIM_PORT/_sim/fault" ;;
	*) sim_curl -f -o /dev/null --data-binary "insi=$1" "https://localhost:$SIM_PORT/_sim/fault" ;;
	esac
}

sim_stat() { # sim_stat NAME: one counter of /_sim/stats (insi_requests, insi_cr00, ...)
	sim_curl "https://localhost:$SIM_PORT/_sim/stats" | sed -n "s/^$1: //p"
}

sim_stop() {
	[ -n "$SIM_PID" ] || return 0
	kill -TERM "$SIM_PID" 2>/dev/null
	local i=0
	while kill -0 "$SIM_PID" 2>/dev/null && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$SIM_PID" 2>/dev/null
	wait "$SIM_PID" 2>/dev/null
	SIM_STATUS=$? # 0 after a clean stop (and no leak under the sanitizers)
	SIM_PID=
}

trap 'sim_stop; cleanup' EXIT
