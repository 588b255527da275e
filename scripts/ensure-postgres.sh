#!/usr/bin/env bash
# Makes sure a PostgreSQL answers for `make run` and `make test`.
# 1. Something answers on the configured address: use it.
# 2. Nothing answers and DATABASE_URL is not set: start a private cluster
#    under ./var/pg on 127.0.0.1:5432 with the machine's initdb/pg_ctl
#    (as the postgres user when run as root).
# 3. Otherwise explain what to do.
set -euo pipefail
cd "$(dirname "$0")/.."

host=127.0.0.1 port=5432
answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if answers; then exit 0; fi

if [ -n "${DATABASE_URL:-}" ] || [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "PostgreSQL antwortet nicht unter DATABASE_URL/TEST_DATABASE_URL. Bitte den Server starten oder die Adresse prüfen." >&2
  exit 1
fi

find_bin() {
  command -v "$1" 2>/dev/null && return
  ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
initdb=$(find_bin initdb || true)
pg_ctl=$(find_bin pg_ctl || true)
if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
  cat >&2 <<'MSG'
Auf 127.0.0.1:5432 antwortet kein PostgreSQL, und initdb/pg_ctl sind nicht installiert.
Bitte PostgreSQL installieren (Debian/Ubuntu: apt-get install postgresql) und erneut versuchen,
oder DATABASE_URL auf einen vorhandenen Server setzen.
MSG
  exit 1
fi

data=$PWD/var/pg
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
mkdir -p var
if [ ! -s "$data/PG_VERSION" ]; then
  echo "Starte einen eigenen PostgreSQL-Cluster unter ./var/pg ..."
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres "$data" && chmod 700 "$data"
  "${as_pg[@]}" "$initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >var/pg-initdb.log
fi
"${as_pg[@]}" "$pg_ctl" -D "$data" -l "$data/server.log" -w \
  -o "-c listen_addresses=$host -p $port -k $data" start >/dev/null
for _ in $(seq 1 30); do answers && exit 0; sleep 0.5; done
echo "Der eigene PostgreSQL-Cluster startet nicht; siehe var/pg/server.log" >&2
exit 1
