#!/usr/bin/env bash
# Prints a dev token per role and a ready-to-use curl line (make run).
set -euo pipefail
cd "$(dirname "$0")/.."
addr=${LISTEN_ADDR:-127.0.0.1:8080}
echo
echo "Entwicklungs-Tokens (12 Stunden gültig, nur im Dev-Modus angenommen):"
for role in bms schulamt planung admin; do
  tok=$(bin/schulgateway token --role "$role")
  printf '  %-9s %s\n' "$role" "$tok"
  [ "$role" = schulamt ] && schulamt=$tok
done
echo
echo "Ausprobieren (in einem zweiten Terminal):"
echo "  curl -s -H 'Authorization: Bearer $schulamt' http://$addr/v1/schulen"
echo "API-Referenz: http://$addr/docs"
echo "Seiten für Schulamt und Planung: http://$addr/app/ (Rolle auf der Anmeldeseite wählen)"
echo
