#!/usr/bin/env bash
# What an upload costs: MB/s and the API's CPU seconds per GB for one ~280 MB video (8 s of raw 720p in AVI),
# sent (1) with the stock SDK's uploadFile straight to Azurite through a session's SAS, (2) as a direct upload
# session the way a frontend does it (8 MB blocks, 4 in parallel, commit, complete: scripts/direct-upload.mjs),
# (3) through the API as multipart (POST /videos-upload). Usage: bench/uploads.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d /tmp/phyght-bench-XXXX)
file=$data/card.avi
ffmpeg -v error -y -f lavfi -i testsrc2=duration=8:size=1280x720:rate=25 -c:v rawvideo -pix_fmt yuv420p "$file"
size=$(stat -c %s "$file")
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" \
  --Storage:MaxVideoBytes=$((size + 1)) --RateLimits:General:PermitLimit=100000000 >/tmp/bench-apphost.log 2>&1 &
apphost=$!
# The AppHost exits before the last of its processes: the next stack needs the API's port free.
trap 'kill -TERM $apphost; wait $apphost 2>/dev/null; while ss -Hltn "sport = :5080" | grep -q .; do sleep 0.2; done; rm -rf "$data"' EXIT
until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done
api_pid=$(pgrep -f 'bin/Release/net10.0/[^/]*/publish/Phyght.Api$' | head -1)
credentials=$(printf '{"email":"admin@phyght.local","password":"%s"}' "$(cat "$data/admin-password.secret")")
token=$(curl -sf localhost:5080/auth/token -H 'content-type: application/json' -d "$credentials" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api() { curl -sf "localhost:5080$1" -H "authorization: Bearer $token" -H 'content-type: application/json' "${@:2}"; }
new_session() {
  local video; video=$(api /videos -d '{"title":"Bench"}' | json '["id"]')
  api /videos-upload/sessions -d "{\"videoId\":\"$video\",\"size\":$size,\"file_name\":\"card.avi\"}"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$api_pid/stat"; }
measure() { # name command...
  local name=$1; shift
  local before; before=$(cpu_ticks); local start; start=$(date +%s.%N)
  "$@" >/dev/null
  local end; end=$(date +%s.%N); local after; after=$(cpu_ticks)
  python3 -c "s=$end-$start; mb=$size/1e6; print(f'{\"$name\":<44} {mb/s:7.1f} MB/s   API CPU {($after-$before)/100/($size/1e9):6.2f} s/GB')"
}

sdk_direct() {
  local url; url=$(new_session | json '["upload_url"]')
  node -e 'const { BlockBlobClient } = require("@azure/storage-blob");
    new BlockBlobClient(process.argv[1]).uploadFile(process.argv[2], { blockSize: 8 << 20, concurrency: 4 }).catch(e => { console.error(e); process.exit(1); });' "$url" "$file"
}
session_upload() {
  local id; id=$(new_session | json '["session_id"]')
  node scripts/direct-upload.mjs http://localhost:5080 "$token" "$id" "$file" resume
}
multipart() {
  local video; video=$(api /videos -d '{"title":"Bench multipart"}' | json '["id"]')
  curl -sf localhost:5080/videos-upload -H "authorization: Bearer $token" -F videoId="$video" -F "video=@$file;type=application/octet-stream"
}
echo "file: $((size / 1000000)) MB"
for run in 1 2; do
  measure "SDK uploadFile straight to Azurite (run $run)" sdk_direct
  measure "direct upload session, 8 MB x 4 (run $run)" session_upload
  measure "multipart through the API (run $run)" multipart
done
