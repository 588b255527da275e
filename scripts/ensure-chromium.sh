#!/usr/bin/env bash
# The browser tests (adapters/web) drive headless Chromium; they fail, not
# skip, without it. Installs Debian's chromium when it is missing and apt-get
# is at hand (as root, or with sudo); otherwise says what to install.
set -euo pipefail
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=sudo
if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "Chromium fehlt; wird für die Browser-Tests installiert (apt-get install chromium) …"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "Chromium fehlt: bitte installieren (Debian/Ubuntu: apt-get install chromium); die Browser-Tests brauchen es." >&2
exit 1
