#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 5s).
# make test runs it briefly; make fuzz for longer (FUZZTIME=2m make fuzz).
# New Fuzz functions are picked up by themselves. A failure leaves its input
# under the package's testdata/fuzz/ so that `go test` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
n=0
# Found by grep, not `go test -list`, so that only fuzzed packages are built.
while read -r file target; do
  pkg="./$(dirname "$file")"
  echo "fuzz: $pkg $target ($FUZZTIME)"
  $GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 200x "$pkg" > /tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
  n=$((n + 1))
done < <(git ls-files '*_test.go' | xargs grep -H -o '^func Fuzz[A-Za-z0-9_]*' | sed 's/:func / /')
rm -f /tmp/fuzz.$$.log
echo "fuzz: $n targets, $FUZZTIME each, no failure"
