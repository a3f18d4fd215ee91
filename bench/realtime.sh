#!/usr/bin/env bash
# Real-time fan-out: 1,000 SignalR clients over two API instances, 100 edits/s, latency commit -> received and API CPU
# per 1,000 deliveries; then redis-benchmark's PUBLISH rate on the same Redis as the ceiling.
# Usage: bench/realtime.sh [clients=1000] [rate=100] [seconds=30]; more AppHost arguments in APPHOST_ARGS (e.g.
# --Realtime:WriteIntervalMilliseconds=0 to compare). Needs redis-benchmark (redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-1000}; rate=${2:-100}; seconds=${3:-30}
data=$(mktemp -d /tmp/phyght-bench-XXXX)
redisport=56379
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
dotnet build bench/Phyght.Bench -c Release -v q -nologo >/dev/null
dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" --Phyght:Redis:Port=$redisport \
  --Phyght:ExtraApiInstances=1 --RateLimits:General:PermitLimit=100000000 --Realtime:MaxConnectionsPerUser=100000 ${APPHOST_ARGS:-} >/tmp/bench-apphost.log 2>&1 &
apphost=$!
# The AppHost exits before the last of its processes: the next stack needs the API's port free.
trap 'kill -TERM $apphost; wait $apphost 2>/dev/null; while ss -Hltn "sport = :5080" | grep -q .; do sleep 0.2; done; rm -rf "$data"' EXIT
until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done

# Both API processes, and the port each listens on (straight to the process, past the dashboard's proxy).
pids=(); urls=()
for pid in $(pgrep -f 'Phyght.Api/bin/Release/net10.0/[^/]*/publish/Phyght.Api$'); do
  url=$(tr '\0' '\n' </proc/$pid/environ 2>/dev/null | sed -n 's/^ASPNETCORE_URLS=//p' | cut -d';' -f1)
  [ -n "$url" ] || continue
  until curl -sf "$url/health" >/dev/null; do sleep 0.5; done
  pids+=("$pid"); urls+=("$url")
done
echo "API instances: ${urls[*]} (pids ${pids[*]})"
dotnet run --project bench/Phyght.Bench -c Release --no-build -- realtime "$(IFS=,; echo "${urls[*]}")" \
  "$(cat "$data/admin-password.secret")" "$clients" "$rate" "$seconds" "$(IFS=,; echo "${pids[*]}")"

echo "== redis-benchmark PUBLISH on the same Redis (the ceiling for the fan-out's transport) =="
redis-benchmark -p $redisport -a "$(cat "$data/redis.password")" -n 200000 -c 32 -q PUBLISH phyght:bench '{"seq":1}'
