#!/usr/bin/env bash
# Runs every test (unit, property, integration and end to end through the AppHost). Results: TestResults/*.trx
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-prerequisites.sh
rm -rf TestResults
dotnet build Phyght.sln -c Debug
dotnet test Phyght.sln --no-build --results-directory TestResults \
  --logger "trx;LogFileName=phyght.trx" --logger "console;verbosity=normal" "$@"
