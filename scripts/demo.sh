#!/bin/sh
# Demo: install what is missing, build, create the demo database, start Vigie on it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
db=${VIGIE_DEMO_DB:-$top/build/demo.db}
"$top/build/vigie" init --db "$db" --demo
exec "$top/build/vigie" --db "$db" --user jmartin
