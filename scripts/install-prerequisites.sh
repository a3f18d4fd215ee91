#!/usr/bin/env bash
# Installs what the stack needs on a fresh Debian machine that has the .NET 10 SDK and Node.js:
# PostgreSQL, redis-server, ffmpeg and Chromium (for the dashboard tests) from Debian; Azurite and playwright-core
# from the committed npm lock file.
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

if [ ! -f node_modules/azurite/package.json ] || [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/@azure/storage-blob/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Azurite, playwright-core and @azure/storage-blob (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi
