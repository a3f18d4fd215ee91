#!/usr/bin/env bash
# Brings the whole stack up: PostgreSQL, Redis, Azurite, the API, the worker and the Aspire dashboard.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-prerequisites.sh
exec dotnet run --project Phyght.AppHost "$@"
