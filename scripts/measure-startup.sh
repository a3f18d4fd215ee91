#!/usr/bin/env bash
# Measures the stack's cold start (empty data folder), warm start (same folder again) to all-healthy, and the time
# SIGTERM takes to leave no process behind. Usage: scripts/measure-startup.sh [runs=5]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dotnet build Phyght.AppHost -v q -nologo >/dev/null
now() { date +%s.%N; }
wait_healthy() {
  local start=$1
  for _ in $(seq 1 600); do
    if curl -sf localhost:5080/health >/dev/null && curl -sf localhost:5090/health >/dev/null; then
      echo "$(echo "$(now) - $start" | bc)"; return 0
    fi
    sleep 0.2
  done
  echo "timeout"; return 1
}
stop_time() {
  local pid=$1 start; start=$(now)
  kill -TERM "$pid"
  while pgrep -f "postgres -D $2|redis-server 127.0.0.1|azurite.*$2|Phyght.Api|Phyght.Worker|dcp" >/dev/null; do sleep 0.1; done
  echo "$(echo "$(now) - $start" | bc)"
}
run_once() { # $1 data folder
  local start pid t s
  start=$(now)
  dotnet run --project Phyght.AppHost --no-build -- --Phyght:DataPath="$1" >/tmp/measure-apphost.log 2>&1 &
  pid=$!
  t=$(wait_healthy "$start")
  s=$(stop_time "$pid" "$1")
  wait "$pid" 2>/dev/null
  echo "$t $s"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
cold=(); warm=(); stops=()
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d /tmp/phyght-measure-XXXX)
  read -r t s < <(run_once "$dir"); cold+=("$t"); stops+=("$s")
  read -r t s < <(run_once "$dir"); warm+=("$t"); stops+=("$s")
  rm -rf "$dir"
  echo "run $i: cold ${cold[-1]} s, warm ${warm[-1]} s, stops ${stops[-2]} s / ${stops[-1]} s"
done
echo "median cold start to all-healthy: $(printf '%s\n' "${cold[@]}" | median) s"
echo "median warm start to all-healthy: $(printf '%s\n' "${warm[@]}" | median) s"
echo "median SIGTERM to nothing running: $(printf '%s\n' "${stops[@]}" | median) s"
