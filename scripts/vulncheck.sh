#!/usr/bin/env bash
# govulncheck over the module. It uses the public database (vuln.go.dev)
# when it answers; a closed network (a city data centre, this CI) gets a
# local copy built from the golang.org/x/vulndb module at VULNDB_VERSION,
# served by the Go module proxy, cached under var/vulndb-<version>.
# Raise VULNDB_VERSION to learn of newer vulnerabilities.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
GOVULNCHECK_VERSION=${GOVULNCHECK_VERSION:-v1.9.0}
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}

db=https://vuln.go.dev
if ! curl -fsS -m 5 -o /dev/null "$db/index/db.json.gz" 2>/dev/null; then
  dir="$PWD/var/vulndb-$VULNDB_VERSION"
  if [ ! -f "$dir/index/db.json" ]; then
    echo "vulncheck: vuln.go.dev not reachable; building a local database from golang.org/x/vulndb@$VULNDB_VERSION (once, ~2 min)"
    src=$($GO mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    rm -rf "$dir.tmp"
    $GO run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$dir.tmp"
    mv "$dir.tmp" "$dir"
  fi
  db="file://$dir"
fi
echo "vulncheck: database $db"
exec $GO run "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" -db "$db" ./...
