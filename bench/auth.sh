#!/usr/bin/env bash
# What tokens cost: POST /auth/token (password hashing) and an authorized GET /videos (token validation and the
# role lookup) against an anonymous one, for a plain user and for the admin, wrk at 32 connections. Usage: bench/auth.sh [seconds=10]. Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
data=$(mktemp -d /tmp/phyght-bench-XXXX)
dotnet build Phyght.AppHost -c Release -v q -nologo >/dev/null
dotnet run --project Phyght.AppHost -c Release --no-build -- --Phyght:DataPath="$data" \
  --RateLimits:General:PermitLimit=100000000 --RateLimits:Auth:PermitLimit=100000000 >/tmp/bench-apphost.log 2>&1 &
apphost=$!
# The AppHost exits before the last of its processes: the next stack needs the API's port free.
trap 'kill -TERM $apphost; wait $apphost 2>/dev/null; while ss -Hltn "sport = :5080" | grep -q .; do sleep 0.2; done; rm -rf "$data"' EXIT
until curl -sf localhost:5080/health >/dev/null; do sleep 0.5; done

credentials=$(printf '{"email":"admin@phyght.local","password":"%s"}' "$(cat "$data/admin-password.secret")")
token=$(curl -sf localhost:5080/auth/token -H 'content-type: application/json' -d "$credentials" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A plain user's token too: plain roles are remembered per instance (Auth:Roles:Seconds), staff roles read per request.
user='{"email":"bench-user@example.test","password":"bench-password-42","username":"benchuser"}'
curl -sf localhost:5080/auth/signup -H 'content-type: application/json' -d "$user" >/dev/null
user_token=$(curl -sf localhost:5080/auth/token -H 'content-type: application/json' -d "$user" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
script=$(mktemp --suffix=.lua)
printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\n' "$credentials" >"$script"

run_wrk() { # name path [wrk args]
  local name=$1 path=$2; shift 2
  local out; out=$(wrk -t2 -c32 -d${seconds}s --latency "$@" "http://localhost:5080$path")
  printf '%-32s %10s req/s  p50 %-9s p99 %s\n' "$name" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
run_wrk "POST /auth/token" /auth/token -s "$script"
# The targets are after warm-up: the first seconds of a fresh process are JIT compilation (tiered, then PGO).
wrk -t2 -c32 -d${seconds}s "http://localhost:5080/videos" >/dev/null
wrk -t2 -c32 -d${seconds}s "http://localhost:5080/videos" -H "Authorization: Bearer $user_token" >/dev/null
run_wrk "GET /videos, anonymous" /videos
run_wrk "GET /videos, a user's token" /videos -H "Authorization: Bearer $user_token"
run_wrk "GET /videos, the admin's token" /videos -H "Authorization: Bearer $token"
run_wrk "GET /profiles/me, a user's token" /profiles/me -H "Authorization: Bearer $user_token"
rm -f "$script"
