#!/usr/bin/env bash
# Gateway REST -> gRPC against its floors, side by side in one run:
#   wrk -t2 -c64 -d10s --latency "http://127.0.0.1:8081/random/number?min=1&max=100"
# on the gateway with its shipped settings (in front of a real generator), on `loadtool bare-kestrel
# --generator URL` ("bare+grpc": Kestrel answering the same JSON after one plain GrpcChannel call,
# i.e. the gRPC hop without the gateway's pipeline: the floor the gateway is held to) and on `loadtool
# bare-kestrel` ("bare": the same JSON with no hop, the ceiling), both on workstation GC as the gateway, alternating for ROUNDS rounds after
# a warm-up. "gateway-traced" (TRACED=1, default) is the gateway exporting its traces, metrics and
# logs over OTLP to `loadtool otlp-sink`, as under the AppHost: what telemetry costs.
# Then one allocation pass per target: wrk again while `loadtool runtime-stats` reads the
# process's allocated bytes over EventPipe, giving bytes per request, GCs per generation and the RSS after it.
# Prints req/s, p50, p99, CPU, bytes/request and each target's share of bare+grpc and of bare.
# Environment: ROUNDS (2), DURATION (10s), CONNECTIONS (64), THREADS (2), GATEWAY_PORT (8081),
# GATEWAY_ENV (extra NAME=VALUE settings for the gateway), TRACED (1),
# COMPARE_REPO (another checkout, built in Release: its gateway runs in the same rounds as "gateway-before").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
read -r -a GATEWAY_EXTRA <<<"${GATEWAY_ENV:-}"
TRACED=${TRACED:-1}
COMPARE_REPO=${COMPARE_REPO:-}

ensure_commands wrk ss curl
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Gateway/RandomDemo.Gateway.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"
generator_pid=$STARTED_PID
gateway_port=$(free_port "${GATEWAY_PORT:-8081}")
start_service RandomDemo.Gateway "$gateway_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "${GATEWAY_EXTRA[@]}"
gateway_pid=$STARTED_PID
if [ "$TRACED" = 1 ]; then
    sink_port=$(free_port)
    start_process otlp-sink "listening on" dotnet "$LOADTOOL" otlp-sink --port "$sink_port"
    traced_port=$(free_port)
    start_service RandomDemo.Gateway "$traced_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "${GATEWAY_EXTRA[@]}" \
        "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
    traced_pid=$STARTED_PID
fi
if [ -n "$COMPARE_REPO" ]; then
    before_port=$(free_port)
    SERVICE_REPO=$COMPARE_REPO start_service RandomDemo.Gateway "$before_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "${GATEWAY_EXTRA[@]}"
    before_pid=$STARTED_PID
fi
bare_port=$(free_port)
start_process bare-kestrel "listening on" env DOTNET_gcServer=0 dotnet "$LOADTOOL" bare-kestrel --port "$bare_port"
bare_pid=$STARTED_PID
hop_port=$(free_port)
start_process bare-grpc "listening on" env DOTNET_gcServer=0 dotnet "$LOADTOOL" bare-kestrel --port "$hop_port" --generator "http://127.0.0.1:$generator_port"
hop_pid=$STARTED_PID

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
    tail -1 "$RUN_DIR/wrk.tsv" | awk -F'\t' '{ printf "  %-14s %8s req/s  p50 %6s ms  p99 %6s ms  errors %s  cpu%s\n", $1, $2, $3, $4, $5, $6 }' >&2
}

# Targets: label, port, pid (the CPU column lists the target's CPU, then the generator's).
targets=("gateway $gateway_port $gateway_pid")
[ -n "$COMPARE_REPO" ] && targets+=("gateway-before $before_port $before_pid")
[ "$TRACED" = 1 ] && targets+=("gateway-traced $traced_port $traced_pid")
targets+=("bare+grpc $hop_port $hop_pid" "bare $bare_port $bare_pid")

log "warm-up: 5 s each"
for target in "${targets[@]}"; do
    read -r label port pid <<<"$target"
    timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "http://127.0.0.1:$port$path" >/dev/null
done
: >"$RUN_DIR/wrk.tsv"
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS (cpu: the target, then the generator)"
    for target in "${targets[@]}"; do
        read -r label port pid <<<"$target"
        if [ "$label" = bare ]; then run_wrk "$label" "$port" "$pid"; else run_wrk "$label" "$port" "$pid" "$generator_pid"; fi
    done
done

log "allocation pass: 8 s of wrk per target, wholly inside 11 s of runtime-stats"
: >"$RUN_DIR/alloc.tsv"
for target in "${targets[@]}"; do
    read -r label port pid <<<"$target"
    timeout 60 dotnet "$LOADTOOL" runtime-stats --pid "$pid" --seconds 11 --top 12 >"$RUN_DIR/alloc-$label.txt" &
    stats_pid=$!
    sleep 1.5
    timeout 40 wrk -t"$THREADS" -c"$CONNECTIONS" -d8s "http://127.0.0.1:$port$path" >"$RUN_DIR/alloc-wrk-$label.txt"
    wait "$stats_pid"
    requests=$(awk '/requests in/ { print $1 }' "$RUN_DIR/alloc-wrk-$label.txt")
    awk -v label="$label" -v requests="$requests" '/^RESULT runtime/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%s\t%.0f\t%.0f\t%s/%s/%s\t%s\t%.1f\n", label, requests / 8, v["allocated_bytes"] / requests, v["gen0"], v["gen1"], v["gen2"], v["promoted_gen0_kb_per_gc"], rss / 1024 }' \
        rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")" "$RUN_DIR/alloc-$label.txt" >>"$RUN_DIR/alloc.tsv"
    sed "s/^/  [$label] /" "$RUN_DIR/alloc-$label.txt" | grep -v RESULT >&2
done

add_summary "command: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency \"http://127.0.0.1:PORT$path\"; gateway: ${GATEWAY_ENV:-shipped settings}; gateway-traced: the same exporting OTLP to loadtool otlp-sink"
add_summary "$(printf '%-14s %9s %8s %8s %7s  %s' target req/s p50_ms p99_ms errors 'cpu (% of one core)')"
while IFS=$'\t' read -r label rps p50 p99 errors cpu; do
    add_summary "$(printf '%-14s %9s %8s %8s %7s %s' "$label" "$rps" "$p50" "$p99" "$errors" "$cpu")"
done <"$RUN_DIR/wrk.tsv"
add_summary "$(printf '%-14s %9s %13s %-22s %-19s %s' target req/s bytes/request 'GCs gen0/1/2 in 11 s' 'KB promoted per GC' 'RSS MB after')"
while IFS=$'\t' read -r label rps bytes gcs promoted rss; do
    add_summary "$(printf '%-14s %9s %13s %-22s %-19s %s' "$label" "$rps" "$bytes" "$gcs" "$promoted" "$rss")"
    add_summary "RESULT gateway-alloc target=$label bytes_per_request=$bytes gcs=$gcs rss_mb=$rss"
done <"$RUN_DIR/alloc.tsv"
# Per round, each target against bare+grpc (req/s and p99) and bare (req/s) of the same round; medians over rounds.
for label in $(cut -f1 "$RUN_DIR/wrk.tsv" | sort -u | grep -vx bare); do
    add_summary "$(awk -F'\t' -v label="$label" '
        function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        $1 == label { rps[++n] = $2; p99[n] = $4 } $1 == "bare" { bare[++m] = $2 } $1 == "bare+grpc" { hop[++h] = $2; hop99[h] = $4 }
        END { for (i = 1; i <= n; i++) { ratio[i] = 100 * rps[i] / bare[i]; hopratio[i] = 100 * rps[i] / hop[i]; p99ratio[i] = p99[i] / hop99[i] }
              printf "RESULT %s median_rps=%.0f median_p99_ms=%.2f median_share_of_bare_grpc=%.1f%% median_p99_vs_bare_grpc=%.2fx median_share_of_bare=%.1f%% rounds=%d",
                  label, median(rps, n), median(p99, n), median(hopratio, n), median(p99ratio, n), median(ratio, n), n }' "$RUN_DIR/wrk.tsv")"
done
print_summary "gateway REST->gRPC vs bare+grpc and bare Kestrel"
