#!/usr/bin/env bash
# The browser tests sign in against a real OpenID Connect provider:
# panva's oidc-provider from the npm registry, at the version pinned in
# adapters/web/testdata/oidc-provider/package-lock.json, installed under
# var/oidc-provider (once; again when the lock file changes). Needs node
# and npm (Debian: apt-get install nodejs npm); installs them when missing
# and apt-get is at hand (as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
src=adapters/web/testdata/oidc-provider
dst=var/oidc-provider
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=sudo
  if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "Node.js fehlt; wird für den Anmeldedienst der Browser-Tests installiert (apt-get install nodejs npm) …"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    echo "Node.js fehlt: bitte installieren (Debian: apt-get install nodejs npm); die Browser-Tests brauchen es für den Anmeldedienst." >&2
    exit 1
  fi
fi
mkdir -p "$dst"
if [ -d "$dst/node_modules/oidc-provider" ] && cmp -s "$src/package-lock.json" "$dst/package-lock.json"; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dst/"
(cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
