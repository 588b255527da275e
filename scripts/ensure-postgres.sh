#!/usr/bin/env bash
# Makes sure a PostgreSQL answers for `make run` and `make test`.
# 1. Something answers on the configured address: use it.
# 2. Nothing answers and DATABASE_URL is not set: start a private cluster
#    under ./var/pg on 127.0.0.1:5432 with the machine's initdb/pg_ctl
#    (as the postgres user when run as root).
#    If initdb/pg_ctl are missing, install Debian's postgresql first (as root
#    or with sudo, as scripts/ensure-chromium.sh does for the browser tests).
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

# The machine's own cluster (Debian's postgresql package), stopped: start it.
if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
  for _ in $(seq 1 20); do answers && exit 0; sleep 0.5; done
fi

find_bin() {
  command -v "$1" 2>/dev/null && return
  ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
initdb=$(find_bin initdb || true)
pg_ctl=$(find_bin pg_ctl || true)
if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=sudo
  if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "PostgreSQL fehlt; wird installiert (apt-get install postgresql) …"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    # Debian's package creates and starts its own cluster on 5432, which
    # asks for a password over TCP. The gateway's dev and test setup is
    # user postgres without one on loopback, as on the CI machines: trust
    # that, for this freshly installed cluster only.
    ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$ver" ] && [ -f "/etc/postgresql/$ver/main/pg_hba.conf" ]; then
      hba=/etc/postgresql/$ver/main/pg_hba.conf
      $sudo sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
      $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
      $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main reload 2>/dev/null || true
      for _ in $(seq 1 20); do answers && exit 0; sleep 0.5; done
    fi
    initdb=$(find_bin initdb || true)
    pg_ctl=$(find_bin pg_ctl || true)
  fi
fi
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
