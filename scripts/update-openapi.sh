#!/usr/bin/env bash
# Writes the OpenAPI document of a running API to clients/js/openapi.json, which the SDK generates its types from
# (OpenApiDocumentTests fails while the committed copy differs from what the API serves).
# Usage: scripts/update-openapi.sh [api-url=http://localhost:5080]
set -euo pipefail
cd "$(dirname "$0")/.."
api=${1:-http://localhost:5080}
target=clients/js/openapi.json
fetched=$(mktemp)
trap 'rm -f "$fetched" "$target.tmp"' EXIT
curl -fsS "${api%/}/openapi/v1.json" -o "$fetched"
# Both print the same bytes (2-space indent, UTF-8 kept); python3's integers are exact where jq 1.6's are doubles.
if command -v python3 >/dev/null; then
  python3 -m json.tool --indent 2 --no-ensure-ascii "$fetched" > "$target.tmp"
else
  jq . "$fetched" > "$target.tmp"
fi
mv "$target.tmp" "$target"
echo "wrote $target from $api"
