#!/bin/sh
# Demo: install what is missing, build, create the demo database, start vigie-sim (the
# loopback INSi simulator, with its own test certificates) and Vigie talking to it.
# VIGIE_SIM_FAULT=insi=delay:5000 (for example) makes the simulator slow or faulty. The DMP
# and Pro Santé Connect are simulated too: sign in with C-w, the simulator approves the
# e-CPS code after 2 s (VIGIE_SIM_FAULT=ciba=deny to see a refusal). The MSSanté worklist is
# filled with messages made by vigie-sim and imported (the demo has no IMAP server).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
b=$top/build
db=${VIGIE_DEMO_DB:-$b/demo.db}
"$b/vigie" init --db "$db" --demo

# The simulator: HTTPS on a free loopback port, certificates made for the demo.
"$top/scripts/make-certs.sh" "$b/demo-certs" >/dev/null
rm -f "$b/demo-sim.port"
"$b/vigie-sim" --port 0 --port-file "$b/demo-sim.port" --cert "$b/demo-certs/server.pem" \
	--key "$b/demo-certs/server.key" --identities "$top/data/insi-sim-identities.tsv" \
	--log "$b/demo-sim.log" --dmp-patients "$top/data/dmp-sim-patients.tsv" --psc-users "$top/data/psc-sim-users.tsv" \
	--fault ciba=approve:2000,interval:2 ${VIGIE_SIM_FAULT:+--fault "$VIGIE_SIM_FAULT"} \
	>"$b/demo-sim.out" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT INT TERM HUP
i=0
while [ ! -s "$b/demo-sim.port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $sim 2>/dev/null; then
		echo "vigie-sim n'a pas démarré :" >&2
		cat "$b/demo-sim.out" >&2
		exit 1
	fi
	sleep 0.05
done
port=$(cat "$b/demo-sim.port")
cat >"$b/demo.conf" <<CONF
# Written by scripts/demo.sh: Vigie on the demo base, INSi served by vigie-sim.
[insi]
adresse = https://localhost:$port/lps
ca = demo-certs/ca.pem
certificat = demo-certs/client.pem
cle = demo-certs/client.key
idam = DEMO-VIGIE
emetteur = cabinet-demo@vigie.invalid
instance = 6f1c2a55-0d9e-4c7e-9b1a-5e0d7c3a9b21
[dmp]
adresse = https://localhost:$port/si-dmp-server/v2/services
ca = demo-certs/ca.pem
certificat = demo-certs/client.pem
cle = demo-certs/client.key
cachet_certificat = demo-certs/seal.pem
cachet_cle = demo-certs/seal.key
structure = 3750000001
nom_structure = Cabinet de démonstration Vigie
homologation = DEMO-VIGIE-DMP
[psc]
emetteur = https://localhost:$port/psc
client_id = vigie-demo
client_secret = secret-demo
ca = demo-certs/ca.pem
[mss]
# No IMAP server in the demo: no automatic fetch (the messages below are imported).
adresse =
CONF

# The MSSanté worklist: messages as a correspondent's software would send them, imported as
# "vigie mss import" does for a saved message (importing them again adds nothing).
m=$b/demo-mss
mkdir -p "$m"
gen() { f=$1; shift; "$b/vigie-sim" mss-message "$@" >"$m/$f"; }
gen 1-bio.eml --type bio --patient 288046311341243 --date 202611180810 --urgent
gen 2-bio-v2.eml --type bio --patient 288046311341243 --date 202611190900 --version 2
gen 3-vacc.eml --type vacc --patient 186090331012749 --date 202611170930
gen 4-patient.eml --type texte --de "288046311341243@patient.mssante.fr"
gen 5-texte.eml --type texte
gen 6-inconnu.eml --type consult --ins 170017512345665 --nom DURAND --prenoms "Paul Henri" \
	--sexe M --naissance 1970-01-01 --cog 75056 --date 202611120800
"$b/vigie" --config "$b/demo.conf" --db "$db" --user jmartin mss import "$m"/*.eml >/dev/null ||
	echo "demo : certains messages MSSanté n'ont pas été importés (voir ci-dessus)" >&2
"$b/vigie" --config "$b/demo.conf" --db "$db" --user jmartin
