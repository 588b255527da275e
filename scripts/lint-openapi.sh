#!/usr/bin/env bash
# Lints openapi/openapi.yaml with Redocly CLI (a standard OpenAPI linter,
# rules "recommended-strict": every finding fails). The CLI comes from
# the npm registry at the pinned REDOCLY_VERSION, installed once under
# var/redocly-<version>; after that the lint runs offline. Rule choices
# and the few findings deliberately ignored: openapi/redocly.yaml and
# openapi/.redocly.lint-ignore.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
REDOCLY_VERSION=${REDOCLY_VERSION:-2.77.0}
dir="$PWD/var/redocly-$REDOCLY_VERSION"
if [ ! -x "$dir/node_modules/.bin/redocly" ]; then
  echo "lint-openapi: installing @redocly/cli@$REDOCLY_VERSION (once)"
  rm -rf "$dir.tmp"
  npm install --silent --no-audit --no-fund --no-save --prefix "$dir.tmp" "@redocly/cli@$REDOCLY_VERSION"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec "$dir/node_modules/.bin/redocly" lint --config openapi/redocly.yaml --format=stylish openapi/openapi.yaml
