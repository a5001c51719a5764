#!/usr/bin/env bash
# Gateway REST -> gRPC against its ceiling, side by side in one run:
#   wrk -t2 -c64 -d10s --latency "http://127.0.0.1:8081/random/number?min=1&max=100"
# on the gateway (in front of a real generator) and on `loadtool bare-kestrel` (same JSON, no gRPC
# hop), alternating for ROUNDS rounds after a warm-up. Prints req/s, p50, p99 and the ratio.
# Environment: ROUNDS (2), DURATION (10s), CONNECTIONS (64), THREADS (2), GATEWAY_PORT (8081),
# GATEWAY_ENV (extra NAME=VALUE settings for the gateway, e.g. "OTEL_SDK_DISABLED=true").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
read -r -a GATEWAY_EXTRA <<<"${GATEWAY_ENV:-}"

ensure_commands wrk ss
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Gateway/RandomDemo.Gateway.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"
generator_pid=$STARTED_PID
gateway_port=$(free_port "${GATEWAY_PORT:-8081}")
start_service RandomDemo.Gateway "$gateway_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "${GATEWAY_EXTRA[@]}"
gateway_pid=$STARTED_PID
bare_port=$(free_port)
start_process bare-kestrel "listening on" dotnet "$LOADTOOL" bare-kestrel --port "$bare_port"
bare_pid=$STARTED_PID

path="/random/number?min=1&max=100"
curl -fsS --max-time 5 "http://127.0.0.1:$gateway_port$path" >"$RUN_DIR/gateway.json" || die "gateway does not answer $path"
curl -fsS --max-time 5 "http://127.0.0.1:$bare_port$path" >"$RUN_DIR/bare.json" || die "bare-kestrel does not answer $path"
log "gateway says $(cat "$RUN_DIR/gateway.json"); bare-kestrel says $(cat "$RUN_DIR/bare.json")"

# run_wrk LABEL PORT PIDS... : one wrk run; appends "LABEL rps p50 p99 errors cpu..." to RUN_DIR/wrk.tsv.
run_wrk() {
    local label=$1 port=$2
    shift 2
    local pid before=() after=() i
    for pid in "$@"; do before+=("$(cpu_seconds "$pid")"); done
    local out="$RUN_DIR/wrk-$label-$(date +%s%N).txt"
    local seconds=${DURATION%s}
    timeout $((seconds + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port$path" >"$out"
    for pid in "$@"; do after+=("$(cpu_seconds "$pid")"); done
    local cpu=""
    for i in "${!before[@]}"; do cpu+=" $(awk -v a="${before[$i]}" -v b="${after[$i]}" -v s="$seconds" 'BEGIN { printf "%.0f%%", 100 * (b - a) / s }')"; done
    awk -v label="$label" -v cpu="$cpu" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /Requests\/sec/ { rps = $2 }
        /Non-2xx/ { errors += $NF } /Socket errors/ { errors += 1 }
        END { printf "%s\t%.0f\t%.2f\t%.2f\t%d\t%s\n", label, rps, p50, p99, errors, cpu }' "$out" >>"$RUN_DIR/wrk.tsv"
    tail -1 "$RUN_DIR/wrk.tsv" | awk -F'\t' '{ printf "  %-8s %8s req/s  p50 %6s ms  p99 %6s ms  errors %s  cpu%s\n", $1, $2, $3, $4, $5, $6 }' >&2
}

log "warm-up: 3 s each"
timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "http://127.0.0.1:$gateway_port$path" >/dev/null
timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "http://127.0.0.1:$bare_port$path" >/dev/null
: >"$RUN_DIR/wrk.tsv"
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS: gateway (cpu: gateway, generator), then bare-kestrel (cpu: bare)"
    run_wrk gateway "$gateway_port" "$gateway_pid" "$generator_pid"
    run_wrk bare "$bare_port" "$bare_pid"
done

add_summary "command: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency \"http://127.0.0.1:PORT$path\"; gateway settings: ${GATEWAY_ENV:-defaults}"
add_summary "$(printf '%-8s %9s %8s %8s %7s  %s' target req/s p50_ms p99_ms errors 'cpu (% of one core)')"
while IFS=$'\t' read -r label rps p50 p99 errors cpu; do
    add_summary "$(printf '%-8s %9s %8s %8s %7s %s' "$label" "$rps" "$p50" "$p99" "$errors" "$cpu")"
done <"$RUN_DIR/wrk.tsv"
add_summary "$(awk -F'\t' '$1 == "gateway" { g += $2; gp99 = ($4 > gp99 ? $4 : gp99); n++ } $1 == "bare" { b += $2; m++ }
    END { printf "RESULT gateway mean_rps=%.0f worst_p99_ms=%.2f bare_mean_rps=%.0f ratio=%.1f%%", g / n, gp99, b / m, 100 * (g / n) / (b / m) }' "$RUN_DIR/wrk.tsv")"
print_summary "gateway REST->gRPC vs bare Kestrel"
