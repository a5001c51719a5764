#!/usr/bin/env bash
# Connection churn on /stream: CYCLES cycles of connect, read the first data event, disconnect,
# PARALLEL at a time, with the upstream fast (Upstream__FrequencyMs=10) so that a cycle waits at
# most ~10 ms for its event and the run measures the server's connect/subscribe/unsubscribe path.
# Afterwards the server must count 0 clients and its RSS must be within 10 % of the start (taken
# after a 10,000-cycle warm-up and 10 s idle).
#   loadtool churn --url http://127.0.0.1:PORT/stream --cycles 100000 --parallel 64 --until data --warmup 10000 --server-pid PID
# The warm-up is 10,000 cycles because a short one leaves one-time growth in the window (JIT code at
# tier 1, the GC's committed budget, malloc arenas), which a second run of the cycles does not repeat.
# Environment: CYCLES (100000), WARMUP (10000), PARALLEL (64), UNTIL (data | retry), FREQUENCY_MS (10),
# STREAMING_ENV (extra NAME=VALUE settings for the streaming service).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CYCLES=${CYCLES:-100000}
WARMUP=${WARMUP:-10000}
PARALLEL=${PARALLEL:-64}
UNTIL=${UNTIL:-data}
FREQUENCY_MS=${FREQUENCY_MS:-10}
read -r -a STREAMING_EXTRA <<<"${STREAMING_ENV:-}"

ensure_commands ss
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Streaming/RandomDemo.Streaming.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"
streaming_port=$(free_port)
start_service RandomDemo.Streaming "$streaming_port" "services__generator__http__0=http://127.0.0.1:$generator_port" \
    "Upstream__FrequencyMs=$FREQUENCY_MS" "Streaming__MaxClients=20000" "${STREAMING_EXTRA[@]}"
streaming_pid=$STARTED_PID

command=(dotnet "$LOADTOOL" churn --url "http://127.0.0.1:$streaming_port/stream" --cycles "$CYCLES" --parallel "$PARALLEL" --until "$UNTIL" --warmup "$WARMUP" --server-pid "$streaming_pid" --max-seconds 900)
log "${command[*]}"
timeout 1200 "${command[@]}" | tee "$RUN_DIR/churn.txt" >&2 || true

add_summary "command: loadtool churn --url URL/stream --cycles $CYCLES --parallel $PARALLEL --until $UNTIL --warmup $WARMUP --server-pid PID (Upstream__FrequencyMs=$FREQUENCY_MS ${STREAMING_ENV:-})"
while read -r line; do add_summary "$line"; done < <(grep -hE '^(cycles|cycle time|server|after an induced)' "$RUN_DIR/churn.txt")
add_summary "$(grep -h '^RESULT' "$RUN_DIR/churn.txt")"
print_summary "SSE connection churn"
