#!/usr/bin/env bash
# POST /sync throughput: 16 clients, each its own actor, 10-op batches, first spread over 1,000 videos (the anchor),
# then all on one video (the hot path). Starts its own stack (Release, empty data folder, rate limits lifted).
# Usage: bench/sync.sh [seconds=15]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
data=$(mktemp -d /tmp/phyght-bench-XXXX)
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
dotnet build bench/Phyght.Bench -c Release -v q -nologo >/dev/null
dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" \
  --RateLimits:General:PermitLimit=100000000 >/tmp/bench-apphost.log 2>&1 &
apphost=$!
trap 'kill -TERM $apphost; wait $apphost 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done
password=$(cat "$data/admin-password.secret")
for videos in 1000 1; do
  dotnet run --project bench/Phyght.Bench -c Release --no-build -- sync http://localhost:5080 "$password" "$videos" "$seconds"
done
