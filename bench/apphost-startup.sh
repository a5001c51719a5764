#!/usr/bin/env bash
# Start-up benchmark of the AppHost: time from the command to the gateway answering a number
# (GET /random/number, so the generator is up too). Median of RUNS runs per way of starting it:
#   dotnet run --project RandomDemo.AppHost        (builds if needed: its up-to-date check is part of the figure)
#   dotnet run --no-build --project RandomDemo.AppHost
#   dotnet RandomDemo.AppHost/bin/$CONFIGURATION/net10.0/RandomDemo.AppHost.dll
# Usage: bench/apphost-startup.sh [RUNS]   (env CONFIGURATION=Release|Debug, default Release)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
configuration=${CONFIGURATION:-Release}
limit_seconds=60

timeout 900 dotnet build RandomDemo.AppHost -c "$configuration" -nologo -v q >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# One run: prints milliseconds from start to the first 200 of the gateway.
measure() {
  local port; port=$(free_port)
  local log; log=$(mktemp)
  local start; start=$(now_ms)
  # Own process group, so that the whole tree gets the SIGTERM at the end.
  setsid "$@" "--Ports:gateway=$port" --Ports:streaming=0 >"$log" 2>&1 &
  local pid=$!
  local elapsed=""
  while (( $(now_ms) - start < limit_seconds * 1000 )); do
    if curl -sf -o /dev/null "http://localhost:$port/random/number?min=1&max=1"; then
      elapsed=$(( $(now_ms) - start ))
      break
    fi
    sleep 0.02
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  timeout 30 tail --pid="$pid" -f /dev/null || kill -KILL -- "-$pid" 2>/dev/null || true
  if [[ -z "$elapsed" ]]; then
    echo "no answer within ${limit_seconds} s; output:" >&2
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  echo "$elapsed"
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

bench() {
  local label=$1; shift
  local samples=()
  for _ in $(seq "$runs"); do samples+=("$(measure "$@")"); done
  printf '%-75s median %5s ms   runs: %s\n' "$label" "$(printf '%s\n' "${samples[@]}" | median)" "${samples[*]}"
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  nproc: $(nproc)  configuration: $configuration  runs: $runs  dotnet: $(dotnet --version)"
dll="RandomDemo.AppHost/bin/$configuration/net10.0/RandomDemo.AppHost.dll"
bench "dotnet run --project RandomDemo.AppHost -c $configuration" dotnet run --project RandomDemo.AppHost -c "$configuration" --
bench "dotnet run --no-build --project RandomDemo.AppHost -c $configuration" dotnet run --no-build --project RandomDemo.AppHost -c "$configuration" --
bench "dotnet $dll" dotnet "$dll"
