#!/usr/bin/env bash
# Warm starts of two checkouts in turn (each with its own data folder), so a slow or noisy box weighs on both alike:
# seconds from `dotnet run` to both /health answering, then SIGTERM and wait until nothing is left.
# Usage: scripts/compare-startup.sh OTHER_CHECKOUT [runs=4]   (e.g. git worktree add /tmp/before HEAD~1)
set -uo pipefail
this=$(cd "$(dirname "$0")/.." && pwd); other=$(cd "$1" && pwd); runs=${2:-4}
for tree in "$other" "$this"; do (cd "$tree" && dotnet build Phyght.AppHost -v q -nologo >/dev/null) || exit 1; done
start() { # checkout data-folder -> seconds to healthy
  local s pid t
  s=$(date +%s.%N)
  (cd "$1" && exec dotnet run --project Phyght.AppHost --no-build -- --Phyght:DataPath="$2" >/tmp/compare-apphost.log 2>&1) &
  pid=$!
  for _ in $(seq 1 1200); do
    curl -sf -m 0.5 localhost:5080/health >/dev/null && curl -sf -m 0.5 localhost:5090/health >/dev/null && break
    sleep 0.1
  done
  t=$(echo "$(date +%s.%N) - $s" | bc)
  kill -TERM $pid; wait $pid 2>/dev/null
  while pgrep -f "postgres -D $2|redis-server 127.0.0.1|azurite|Phyght.Api|Phyght.Worker|dcp" >/dev/null; do sleep 0.2; done
  echo "$t"
}
a=$(mktemp -d /tmp/phyght-compare-XXXX); b=$(mktemp -d /tmp/phyght-compare-XXXX)
trap 'rm -rf "$a" "$b"' EXIT
start "$other" "$a" >/dev/null; start "$this" "$b" >/dev/null   # first starts: initdb, not measured
for i in $(seq 1 "$runs"); do echo "run $i: $other $(start "$other" "$a") s, $this $(start "$this" "$b") s"; done
