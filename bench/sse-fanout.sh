#!/usr/bin/env bash
# SSE fan-out: CLIENTS concurrent /stream clients at each upstream frequency (1 event/s and 20
# events/s), a fresh streaming process per case (warmed up with 500 connect/read/disconnect cycles
# before the RSS baseline). Per case: did every client get every event of the window in order,
# delivery latency p50/p99 (payload timestamp vs receive time), the streaming process's RSS per
# connection ((RSS with N - RSS before) / N, VmRSS) and CPU.
#   loadtool sse --url http://127.0.0.1:PORT/stream --clients N --duration 10 --server-pid PID
# Environment: CLIENTS ("1000 5000 10000"), FREQUENCIES_MS ("1000 50"), DURATION (10),
# STREAMING_ENV (extra NAME=VALUE settings for the streaming service), COMPARE_REPO (another
# checkout, built in Release: its streaming service runs each case too, alternating, as "before"),
# ROUNDS (1: each case once per side), PROCESSES (1: load processes per case, each holding
# CLIENTS / PROCESSES; open files are capped at 20,000 per process: 19,000 clients need two),
# BASELINES (empty; "typed floor": these servers run each case too, alternating: "typed" = loadtool
# typed-sse-server, what a .NET user would write instead (TypedResults.ServerSentEvents reading a
# bounded Channel per client); "floor" = loadtool socket-floor-server, plain sockets and one blocking
# send per client from one thread per core, the least any server can spend here).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=${CLIENTS:-1000 5000 10000}
FREQUENCIES_MS=${FREQUENCIES_MS:-1000 50}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
PROCESSES=${PROCESSES:-1}
COMPARE_REPO=${COMPARE_REPO:-}
BASELINES=${BASELINES:-}
read -r -a STREAMING_EXTRA <<<"${STREAMING_ENV:-}"

ensure_commands ss
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Streaming/RandomDemo.Streaming.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"

sides=(after)
[ -n "$COMPARE_REPO" ] && sides+=(before)
read -r -a baselines <<<"$BASELINES"
sides+=("${baselines[@]}")
for frequency in $FREQUENCIES_MS; do
    for clients in $CLIENTS; do
        for round in $(seq 1 "$ROUNDS"); do
            for side in "${sides[@]}"; do
                streaming_port=$(free_port)
                if [ "$side" = typed ] || [ "$side" = floor ]; then
                    command=typed-sse-server
                    [ "$side" = floor ] && command=socket-floor-server
                    start_process "$command-$streaming_port" "listening on" dotnet "$LOADTOOL" "$command" --port "$streaming_port" \
                        --generator "http://127.0.0.1:$generator_port" --frequency-ms "$frequency"
                else
                    repo=$REPO_DIR
                    [ "$side" = before ] && repo=$COMPARE_REPO
                    SERVICE_REPO=$repo start_service RandomDemo.Streaming "$streaming_port" "services__generator__http__0=http://127.0.0.1:$generator_port" \
                        "Upstream__FrequencyMs=$frequency" "Streaming__MaxClients=20000" "${STREAMING_EXTRA[@]}"
                fi
                streaming_pid=$STARTED_PID
                url="http://127.0.0.1:$streaming_port/stream"
                run="$frequency-$clients-$round-$side"
                timeout 120 dotnet "$LOADTOOL" churn --url "$url" --cycles 500 --parallel 50 --until retry --warmup 0 --settle 2 >"$RUN_DIR/warmup-$run.txt" \
                    || { cat "$RUN_DIR/warmup-$run.txt" >&2; die "warm-up failed"; }
                log "sse: $clients clients, upstream every $frequency ms, $side (round $round)"
                # The first process measures the server (its baseline before any client); the others
                # connect once it holds its own, and every window opens when the server counts them all.
                per_process=$((clients / PROCESSES))
                timeout $((DURATION + 400)) dotnet "$LOADTOOL" sse --url "$url" --clients "$per_process" --total-clients "$clients" --duration "$DURATION" \
                    --server-pid "$streaming_pid" >"$RUN_DIR/sse-$run.txt" 2>&1 &
                measuring=$!
                parts=()
                if [ "$PROCESSES" -gt 1 ]; then
                    timeout 300 bash -c "until grep -q '^connected:' '$RUN_DIR/sse-$run.txt'; do sleep 0.5; done" || true
                    for part in $(seq 2 "$PROCESSES"); do
                        timeout $((DURATION + 400)) dotnet "$LOADTOOL" sse --url "$url" --clients "$per_process" --total-clients "$clients" --duration "$DURATION" \
                            >"$RUN_DIR/sse-$run-part$part.txt" 2>&1 &
                        parts+=($!)
                    done
                fi
                wait "$measuring" "${parts[@]}" || true
                cat "$RUN_DIR/sse-$run.txt" "$RUN_DIR"/sse-"$run"-part*.txt >&2 2>/dev/null || true
                add_summary "$(grep -h '^RESULT' "$RUN_DIR/sse-$run.txt" | sed "s/^RESULT sse/RESULT sse frequency_ms=$frequency side=$side round=$round/")"
                for part in $(seq 2 "$PROCESSES"); do
                    add_summary "$(grep -h '^RESULT' "$RUN_DIR/sse-$run-part$part.txt" | sed "s/^RESULT sse/RESULT sse-part frequency_ms=$frequency part=$part/")"
                done
                stop_process "$streaming_pid"
            done
        done
    done
done

print_summary "SSE fan-out (loadtool sse --url URL/stream --clients N --duration $DURATION --server-pid PID; Streaming__MaxClients=20000)"
