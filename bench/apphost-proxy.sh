#!/usr/bin/env bash
# DCP's endpoint proxy (Aspire's isProxied: true) against the services serving their fixed ports
# themselves (our default), through the running AppHost (Release, `dotnet run --no-build`), alternating
# the two AppHost starts (A, B, A, B):
#   unproxied   dotnet run -c Release --no-build --project RandomDemo.AppHost -- --AppHost:ProxiedEndpoints=false
#   proxied     ... --AppHost:ProxiedEndpoints=true   (DCP's `dcp run-controllers` listens on 8081/8085/50051)
# Per start: gateway `wrk -t2 -c64 -d10s --latency "http://localhost:8081/random/number?min=1&max=100"`
# after a 5 s warm-up (req/s, p50, p99, CPU of gateway, generator and DCP), then SSE fan-out
# `loadtool sse --url http://localhost:8085/stream --clients N --duration 20 --server-pid STREAMING_PID`
# for each N in SSE_CLIENTS at the upstream's 1 event/s: every client got every event in order,
# client-side latency p50/p99 (generator timestamp to receive), streaming RSS per connection, and
# for the dcp run-controllers process (the proxy): RSS before, with the clients connected, and 3 s
# after they closed (per connection = (with - before) / N), CPU during the window.
# Usage: bench/apphost-proxy.sh   Environment: ROUNDS (2), SSE_CLIENTS ("2000 5000"), SSE_DURATION (20),
# WRK_DURATION (10s), MODES ("unproxied proxied").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH_DIR/apphost-lib.sh"
cd "$REPO_DIR"

ROUNDS=${ROUNDS:-2}
SSE_CLIENTS=${SSE_CLIENTS:-2000 5000}
SSE_DURATION=${SSE_DURATION:-20}
SSE_SETTLE=3
WRK_DURATION=${WRK_DURATION:-10s}
MODES=${MODES:-unproxied proxied}
path="/random/number?min=1&max=100"

ensure_commands wrk ss curl
apphost_check_ports
build_release RandomDemo.AppHost/RandomDemo.AppHost.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

: >"$RUN_DIR/wrk.tsv"
: >"$RUN_DIR/sse.tsv"

# sample_at FILE EPOCH COLUMN : the value of COLUMN (2 rss_kb, 3 cpu_s) in the sample nearest to EPOCH.
sample_at() {
    awk -v t="$2" -v c="$3" 'BEGIN { best = -1 } { d = $1 - t; if (d < 0) d = -d; if (best < 0 || d < best) { best = d; v = $c } } END { print v }' "$1"
}

one_start() {
    local mode=$1 round=$2
    local proxied=false
    [ "$mode" = proxied ] && proxied=true
    local name="$mode-$round" mark
    mark="$(basename "$RUN_DIR")-$name"
    apphost_start "$name" "$mark" -- dotnet run -c "$CONFIGURATION" --no-build --project RandomDemo.AppHost -- \
        "--AppHost:ProxiedEndpoints=$proxied" "--AppHost:StateDirectory=$RUN_DIR/state"
    local up
    up=$(apphost_wait_healthy "$name")
    local dcp gateway generator streaming
    dcp=$(apphost_pid "$mark" dcp-run-controllers)
    gateway=$(apphost_service_pid "$mark" Gateway)
    generator=$(apphost_service_pid "$mark" Generator)
    streaming=$(apphost_service_pid "$mark" Streaming)
    [ -n "$dcp" ] && [ -n "$gateway" ] && [ -n "$generator" ] && [ -n "$streaming" ] || die "$name: processes not found: dcp=$dcp gateway=$gateway generator=$generator streaming=$streaming"
    log "$name: healthy after $up s (dcp run-controllers $dcp, gateway $gateway, generator $generator, streaming $streaming)"
    ss -Hltnp "( sport = :8081 or sport = :8085 )" >"$RUN_DIR/$name.listeners" 2>&1 || true
    curl -fsS --max-time 5 "http://localhost:8081$path" >/dev/null || die "$name: gateway does not answer $path"

    # Gateway.
    timeout 30 wrk -t2 -c64 -d5s "http://localhost:8081$path" >/dev/null
    local before_gw before_gen before_dcp
    before_gw=$(cpu_seconds "$gateway"); before_gen=$(cpu_seconds "$generator"); before_dcp=$(cpu_seconds "$dcp")
    local seconds=${WRK_DURATION%s} out="$RUN_DIR/$name-wrk.txt"
    timeout $((seconds + 30)) wrk -t2 -c64 -d"$WRK_DURATION" --latency "http://localhost:8081$path" >"$out"
    local cpu
    cpu=$(awk -v s="$seconds" -v a1="$before_gw" -v b1="$(cpu_seconds "$gateway")" -v a2="$before_gen" -v b2="$(cpu_seconds "$generator")" \
        -v a3="$before_dcp" -v b3="$(cpu_seconds "$dcp")" 'BEGIN { printf "%.0f\t%.0f\t%.0f", 100 * (b1 - a1) / s, 100 * (b2 - a2) / s, 100 * (b3 - a3) / s }')
    awk -v mode="$mode" -v round="$round" -v cpu="$cpu" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /Requests\/sec/ { rps = $2 }
        /Non-2xx/ { errors += $NF } /Socket errors/ { errors += 1 }
        END { printf "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%s\t%s\n", mode, round, rps, p50, p99, errors, cpu, load }' "$out" >>"$RUN_DIR/wrk.tsv"
    tail -1 "$RUN_DIR/wrk.tsv" | awk -F'\t' '{ printf "  wrk: %s req/s, p50 %s ms, p99 %s ms, errors %s; cpu gateway %s%%, generator %s%%, dcp %s%%\n", $3, $4, $5, $6, $7, $8, $9 }' >&2

    # SSE fan-out, sampling DCP's run-controllers every 0.5 s.
    local samples="$RUN_DIR/$name-dcp-samples.txt" clients
    "${APPHOST_PROCS[@]}" sample "$dcp" "$samples" --interval 0.5 &
    local sampler=$!
    STARTED_PIDS+=("$sampler")
    for clients in $SSE_CLIENTS; do
        sleep 2
        local t0 sse_out="$RUN_DIR/$name-sse-$clients.txt"
        t0=$(date +%s.%N)
        timeout $((SSE_DURATION + 300)) dotnet "$LOADTOOL" sse --url http://localhost:8085/stream --clients "$clients" --duration "$SSE_DURATION" \
            --settle "$SSE_SETTLE" --server-pid "$streaming" 2>&1 \
            | while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done >"$sse_out" || true
        sleep 3
        local t_end t_conn
        t_end=$(date +%s.%N)
        t_conn=$(awk '$2 == "connected:" { print $1; exit }' "$sse_out")
        [ -n "$t_conn" ] || { cat "$sse_out" >&2; die "$name: sse $clients did not connect"; }
        local rss0 rss1 rss2 cpu_a cpu_b w0 w1
        rss0=$(sample_at "$samples" "$t0" 2)
        rss1=$(sample_at "$samples" "$(awk -v t="$t_conn" -v s="$SSE_SETTLE" 'BEGIN { printf "%.3f", t + s }')" 2)
        rss2=$(sample_at "$samples" "$t_end" 2)
        w0=$(awk -v t="$t_conn" -v s="$SSE_SETTLE" 'BEGIN { printf "%.3f", t + s + 1 }')
        w1=$(awk -v t="$w0" -v d="$SSE_DURATION" 'BEGIN { printf "%.3f", t + d - 2 }')
        cpu_a=$(sample_at "$samples" "$w0" 3); cpu_b=$(sample_at "$samples" "$w1" 3)
        local result
        result=$(grep -h 'RESULT sse' "$sse_out" | sed 's/^[0-9.]* //')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$clients" "$result" "$rss0" "$rss1" "$rss2" \
            "$(awk -v a="$cpu_a" -v b="$cpu_b" -v d="$SSE_DURATION" 'BEGIN { printf "%.0f", 100 * (b - a) / (d - 3) }')" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RUN_DIR/sse.tsv"
        log "  sse $clients: $(sed -n 's/.*\(complete=[0-9]*\).*\(p50_ms=[0-9.]*\) \(p99_ms=[0-9.]*\).* \(kb_per_conn=[0-9.-]*\).*/\1 \2 \3 streaming_\4/p' <<<"$result"); dcp rss ${rss0} -> ${rss1} -> ${rss2} KB"
    done
    kill "$sampler" 2>/dev/null || true
    apphost_stop "$mark"
}

for round in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
        log "round $round/$ROUNDS: $mode"
        one_start "$mode" "$round"
    done
done

add_summary "gateway: wrk -t2 -c64 -d$WRK_DURATION --latency \"http://localhost:8081$path\" through the AppHost (Release, dotnet run --no-build), 5 s warm-up; cpu in % of one core"
add_summary "$(printf '%-10s %5s %9s %8s %8s %6s %8s %8s %6s %5s' mode round req/s p50_ms p99_ms errors gateway generator dcp load)"
while IFS=$'\t' read -r mode round rps p50 p99 errors gw gen dcp load; do
    add_summary "$(printf '%-10s %5s %9s %8s %8s %6s %7s%% %7s%% %5s%% %5s' "$mode" "$round" "$rps" "$p50" "$p99" "$errors" "$gw" "$gen" "$dcp" "$load")"
done <"$RUN_DIR/wrk.tsv"
add_summary "sse: loadtool sse --url http://localhost:8085/stream --clients N --duration $SSE_DURATION --settle $SSE_SETTLE --server-pid STREAMING_PID (1 event/s); dcp = the run-controllers process: RSS before -> with N clients -> 3 s after they closed, KB per connection, CPU in the window"
add_summary "$(printf '%-10s %5s %6s %9s %8s %8s %10s %22s %9s %6s %5s' mode round N complete p50_ms p99_ms stream_KB/c 'dcp_rss_MB b/with/after' dcp_KB/c dcp_cpu load)"
while IFS=$'\t' read -r mode round clients result rss0 rss1 rss2 dcpcpu load; do
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $result"; }
    add_summary "$(printf '%-10s %5s %6s %9s %8s %8s %10s %22s %9s %5s%% %5s' "$mode" "$round" "$clients" "$(get complete)/$clients" "$(get p50_ms)" "$(get p99_ms)" \
        "$(get kb_per_conn)" "$(awk -v a="$rss0" -v b="$rss1" -v c="$rss2" 'BEGIN { printf "%.1f/%.1f/%.1f", a / 1024, b / 1024, c / 1024 }')" \
        "$(awk -v a="$rss0" -v b="$rss1" -v n="$clients" 'BEGIN { printf "%.1f", (b - a) / n }')" "$dcpcpu" "$load")"
done <"$RUN_DIR/sse.tsv"
for mode in $MODES; do
    add_summary "$(awk -F'\t' -v mode="$mode" '$1 == mode { r += $3; if ($5 > p) p = $5; n++ } END { if (n) printf "RESULT %s gateway_mean_rps=%.0f worst_p99_ms=%.2f runs=%d", mode, r / n, p, n }' "$RUN_DIR/wrk.tsv")"
done
print_summary "AppHost proxy (DCP isProxied) vs the services' own ports"
