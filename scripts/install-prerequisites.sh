#!/usr/bin/env bash
# Installs what the stack needs on a fresh Debian machine that has the .NET 10 SDK and Node.js:
# PostgreSQL, redis-server, ffmpeg and Chromium (for the browser tests) from Debian; Azurite, playwright-core, Vite,
# Vitest and the client workspaces (clients/js, clients/web) from the committed npm lock file; then builds the SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/azurite/package.json ] || [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/vite/package.json ] || [ ! -e node_modules/@phyght/client ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Azurite, playwright-core, Vite, Vitest and the client workspaces (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi

# The SDK (@phyght/client) as the web page and Node consumers import it: types generated from clients/js/openapi.json.
if [ ! -f clients/js/dist/index.js ] || [ -n "$(find clients/js/src clients/js/openapi.json -newer clients/js/dist/index.js -not -path '*/generated/*' -print -quit)" ]; then
  echo "Building @phyght/client ..."
  npm run build --silent -w @phyght/client
fi
