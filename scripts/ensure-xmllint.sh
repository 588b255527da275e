#!/usr/bin/env bash
# The XSchule tests validate messages against the published XSD with
# xmllint; they fail, not skip, without it. Installs Debian's libxml2-utils
# when it is missing and apt-get is at hand (as root, or with sudo).
set -euo pipefail
command -v xmllint >/dev/null && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=sudo
if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "xmllint fehlt; wird für die XSD-Prüfung der XSchule-Tests installiert (apt-get install libxml2-utils) …"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
  exit 0
fi
echo "xmllint fehlt: bitte installieren (Debian/Ubuntu: apt-get install libxml2-utils); die XSchule-Tests brauchen es." >&2
exit 1
