#!/usr/bin/env bash
# Where an uncached GET /videos goes: the default page with the catalogue cache off, on a catalogue of N videos, at 32
# connections, RUNS runs of S seconds, each with the CPU each process used per request; then the same SQL through
# pgbench (the ceiling issue "hot paths" measures against). A shorter loop than bench/catalog.sh for one path.
# Usage: bench/page.sh [videos=1000000] [seconds=10] [runs=3] [extra AppHost args...]. With PHYGHT_BENCH_DATA set to a
# directory, the stack keeps its data there and a second run skips the load.
# Needs wrk and pgbench (apt-get install -y wrk postgresql-contrib).
set -euo pipefail
cd "$(dirname "$0")/.."
videos=${1:-1000000}; seconds=${2:-10}; runs=${3:-3}; shift $(( $# < 3 ? $# : 3 ))
data=${PHYGHT_BENCH_DATA:-$(mktemp -d /tmp/phyght-bench-XXXX)}; mkdir -p "$data"
pgport=55432
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
# The AppHost exits before the last of its processes: a stack stopped just before still holds the ports.
while ss -Hltn "( sport = :5080 or sport = :$pgport )" | grep -q .; do sleep 0.2; done
dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" --Phyght:Postgres:Port=$pgport \
  --RateLimits:General:PermitLimit=100000000 --Catalog:Cache:Seconds=0 "$@" >/tmp/bench-apphost.log 2>&1 &
apphost=$!
trap 'kill -TERM $apphost; wait $apphost 2>/dev/null || true; [ -n "${PHYGHT_BENCH_DATA:-}" ] || rm -rf "$data"' EXIT
until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done
export PGPASSWORD=$(cat "$data/postgres.password") PGHOST=127.0.0.1 PGPORT=$pgport PGUSER=postgres PGDATABASE=phyght

[ "$(psql -Atc 'SELECT count(*) FROM videos')" -ge "$videos" ] || psql -q -v videos="$videos" -f bench/load-catalog.sql

# CPU ticks (1/100 s) of the processes whose command line matches a pattern, summed, with their exited children (the
# postmaster's count the backends that ended).
ticks() { local sum=0 pid; for pid in $(pgrep -f "$1"); do
  sum=$(( sum + $(awk '{print $14 + $15 + $16 + $17}' /proc/$pid/stat 2>/dev/null || echo 0) )); done; echo $sum; }
procs=(api 'Phyght.Api/bin/Release/net10.0/[^/]*/publish/Phyght.Api$' postgres "postgres.*$pgport|postgres: " dashboard 'Aspire.Dashboard' dcp '/dcp ' )
printf '%-5s %10s %9s %9s' run 'req/s' p50 p99; for (( i = 0; i < ${#procs[@]}; i += 2 )); do printf ' %12s' "${procs[i]} ms/req"; done; echo
for run in $(seq "$runs"); do
  declare -A before=(); for (( i = 0; i < ${#procs[@]}; i += 2 )); do before[${procs[i]}]=$(ticks "${procs[i+1]}"); done
  out=$(wrk -t2 -c32 -d${seconds}s --latency http://localhost:5080/videos)
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '%-5s %10s %9s %9s' "$run" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
  for (( i = 0; i < ${#procs[@]}; i += 2 )); do
    printf ' %12.3f' "$(echo "($(ticks "${procs[i+1]}") - ${before[${procs[i]}]}) * 10 / $requests" | bc -l)"; done; echo
done
file=$(mktemp)
echo "SELECT * FROM videos WHERE deleted_at IS NULL AND status = 'ready' ORDER BY created_at DESC, id DESC LIMIT 20; SELECT sum(count) FROM video_counts WHERE status = 'ready';" >"$file"
echo "pgbench, the same SQL: $(pgbench -n -c32 -j2 -T"$seconds" -f "$file" 2>&1 | awk '/^tps/ {print $3}') tps"
rm -f "$file"
