#!/usr/bin/env bash
# GET /videos through the API (with and without the catalogue cache, with and without telemetry) vs the same SQL
# straight through pgbench, at 32 connections, on a catalogue of N videos.
# Usage: bench/catalog.sh [videos=100000] [seconds=15]. Needs wrk and pgbench (apt-get install -y wrk postgresql-contrib).
set -euo pipefail
cd "$(dirname "$0")/.."
videos=${1:-100000}; seconds=${2:-15}
data=$(mktemp -d /tmp/phyght-bench-XXXX)
pgport=55432
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
apphost=
start_stack() { # extra AppHost args
  dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" --Phyght:Postgres:Port=$pgport \
    --RateLimits:General:PermitLimit=100000000 "$@" >/tmp/bench-apphost.log 2>&1 &
  apphost=$!
  until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done
}
# The AppHost exits before the last of its processes: a new stack needs the API's and PostgreSQL's ports free.
stop_stack() {
  kill -TERM $apphost; wait $apphost 2>/dev/null || true
  while ss -Hltn "( sport = :5080 or sport = :$pgport )" | grep -q .; do sleep 0.2; done
}
trap 'stop_stack; rm -rf "$data"' EXIT
start_stack
export PGPASSWORD=$(cat "$data/postgres.password") PGHOST=127.0.0.1 PGPORT=$pgport PGUSER=postgres PGDATABASE=phyght

echo "loading $videos videos ..."
start=$(date +%s.%N)
psql -q -v videos="$videos" -f bench/load-catalog.sql
echo "loaded in $(echo "$(date +%s.%N) - $start" | bc) s"

run_wrk() { # name path [lua script]
  local out; out=$(wrk -t2 -c32 -d${seconds}s --latency ${3:+-s "$3"} "http://localhost:5080$2")
  printf '%-28s %10s req/s  p50 %-9s p99 %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
run_pgbench() { # name sql
  local file; file=$(mktemp); echo "$2" >"$file"
  local out; out=$(pgbench -n -c32 -j2 -T"$seconds" -f "$file" 2>&1)
  printf '%-28s %10s tps   mean %s ms\n' "$1" "$(awk '/^tps/ {print $3}' <<<"$out")" "$(awk '/latency average/ {print $4}' <<<"$out")"
  rm -f "$file"
}
api_runs() {
  run_wrk "default page" "/videos"
  run_wrk "category filter" "/videos?category=Boxing"
  run_wrk "featured filter" "/videos?featured=true"
  run_wrk "search (common word)" "/videos?search=kimura"
  run_wrk "search (rare prefix)" "/videos?search=fight%2012345"
  run_wrk "page 500 by offset (deepest)" "/videos?page=500"
  run_wrk "search, Zipf mix of 1,000" "/videos" bench/zipf-search.lua
  # Offsets stop at Catalog:MaxOffset (10,000); deeper is by cursor. The cursor after the middle page's last video,
  # made as the API makes one (base64url of "<UTC ticks>:<id>"), read from the table.
  middle=$(( $(curl -s localhost:5080/videos | python3 -c 'import json,sys; print(json.load(sys.stdin)["pagination"]["totalPages"])') / 2 ))
  deep=$(psql -At -F: -c "SELECT (extract(epoch FROM created_at) * 10000000)::bigint + 621355968000000000, replace(id::text, '-', '')
    FROM videos WHERE deleted_at IS NULL AND status = 'ready' ORDER BY created_at DESC, id DESC OFFSET $(( middle * 20 - 1 )) LIMIT 1" |
    tr -d '\n' | base64 -w0 | tr '+/' '-_' | tr -d '=')
  first=$(curl -s "localhost:5080/videos" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pagination"]["next_cursor"])')
  run_wrk "page 2 by cursor" "/videos?cursor=$first"
  run_wrk "page $((middle + 1)) by cursor" "/videos?cursor=$deep"
}
echo "== API with the catalogue cache (wrk, 32 connections, ${seconds}s) =="
api_runs
stop_stack; start_stack --Catalog:Cache:Seconds=0
echo "== API without the cache: every request reaches PostgreSQL =="
api_runs
stop_stack; OTEL_SDK_DISABLED=true start_stack --Catalog:Cache:Seconds=0
echo "== the same without telemetry (OTEL_SDK_DISABLED=true: no tracing, metrics or OTLP export) =="
run_wrk "default page" "/videos"
run_wrk "category filter" "/videos?category=Boxing"
echo "== the same SQL through pgbench =="
run_pgbench "default page" "SELECT * FROM videos WHERE deleted_at IS NULL AND status = 'ready' ORDER BY created_at DESC, id DESC LIMIT 20; SELECT sum(count) FROM video_counts WHERE status = 'ready';"
run_pgbench "naive exact count" "SELECT * FROM videos WHERE deleted_at IS NULL AND status = 'ready' ORDER BY created_at DESC, id DESC LIMIT 20; SELECT count(*) FROM videos WHERE deleted_at IS NULL AND status = 'ready';"
run_pgbench "search (common word)" "SELECT * FROM videos WHERE deleted_at IS NULL AND status = 'ready' AND search_vector @@ to_tsquery('simple', 'kimura:*') ORDER BY created_at DESC, id DESC LIMIT 20; SELECT count(*) FROM videos WHERE deleted_at IS NULL AND status = 'ready' AND search_vector @@ to_tsquery('simple', 'kimura:*');"
