#!/usr/bin/env bash
# POST /sync throughput: 16 clients, each its own actor, 10-op batches, first spread over 1,000 videos (the anchor),
# then all on one video (the hot path). Starts its own stack (Release, empty data folder, rate limits lifted).
# Usage: bench/sync.sh [seconds=15]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
data=$(mktemp -d /tmp/phyght-bench-XXXX)
pgport=55433
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
dotnet build bench/Phyght.Bench -c Release -v q -nologo >/dev/null
dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" --Phyght:Postgres:Port=$pgport \
  --RateLimits:General:PermitLimit=100000000 >/tmp/bench-apphost.log 2>&1 &
apphost=$!
# The AppHost exits before the last of its processes: the next stack needs the API's port free.
trap 'kill -TERM $apphost; wait $apphost 2>/dev/null; while ss -Hltn "sport = :5080" | grep -q .; do sleep 0.2; done; rm -rf "$data"' EXIT
until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done
password=$(cat "$data/admin-password.secret")
for videos in 1000 1; do
  dotnet run --project bench/Phyght.Bench -c Release --no-build -- sync http://localhost:5080 "$password" "$videos" "$seconds"
done
# Group commit on the hot video: its syncs (10 ops each) against the transactions that wrote them (one change-feed
# row each, after the one of its creation).
PGPASSWORD=$(cat "$data/postgres.password") psql -h 127.0.0.1 -p $pgport -U postgres -d phyght -At -c "
  SELECT format('hot video: %s syncs in %s transactions, %s batches per transaction on average',
                ops / 10, feed - 1, round((ops / 10.0) / greatest(feed - 1, 1), 1))
  FROM (SELECT v.id, (SELECT count(*) FROM crdt_operations o WHERE o.video_id = v.id AND o.actor LIKE 'bench-%') AS ops,
               (SELECT count(*) FROM change_feed c WHERE c.video_id = v.id) AS feed
        FROM videos v WHERE v.title = 'Sync bench 0' ORDER BY v.created_at DESC LIMIT 1) AS hot"
