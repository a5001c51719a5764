#!/usr/bin/env bash
# Fault injection on loopback: kill, stop and restart the services under load and check what the
# clients saw. Each scenario prints its figures and a verdict; the summary lists them all.
#   1. gateway: loadtool http-faults (64 connections) while the generator is SIGKILLed 5 times
#      (every answer 200 or 503/504 problem+json, no hang; first 200 after the generator answers again)
#   2. sse-generator: loadtool sse-faults (1,000 clients) while the generator is SIGKILLed (5 s outage),
#      SIGSTOPped (12 s: the stall detector fires) and SIGKILLed again (60 s outage): no client
#      disconnected, no duplicate, no hole, the upstream reconnects; first event after each recovery
#   3. streaming-restart: 1,000 EventSource-like clients while the streaming service is restarted
#      gracefully (SIGTERM, state file: no reset, no hole) and after SIGKILL (exactly one reset each)
#   4. state-file: unwritable and corrupt state file at start: a clear log line and a running service
# Environment: SCENARIOS ("gateway sse-generator streaming-restart state-file"), SSE_CLIENTS (1000),
# LONG_OUTAGE (60), SHORT_OUTAGE (5), GATEWAY_KILLS (5).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCENARIOS=${SCENARIOS:-gateway sse-generator streaming-restart state-file}
SSE_CLIENTS=${SSE_CLIENTS:-1000}
LONG_OUTAGE=${LONG_OUTAGE:-60}
SHORT_OUTAGE=${SHORT_OUTAGE:-5}
GATEWAY_KILLS=${GATEWAY_KILLS:-5}
FAILED=0

ensure_commands ss curl
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Gateway/RandomDemo.Gateway.csproj \
    RandomDemo.Streaming/RandomDemo.Streaming.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

# run_loadtool NAME ARGS... : the load tool in the background (output in RUN_DIR/NAME.txt), pid in LOADTOOL_PID.
run_loadtool() {
    local name=$1
    shift
    dotnet "$LOADTOOL" "$@" >"$RUN_DIR/$name.txt" 2>&1 &
    LOADTOOL_PID=$!
    STARTED_PIDS+=("$LOADTOOL_PID")
}

# wait_for_text FILE TEXT SECONDS
wait_for_text() {
    for _ in $(seq 1 $(($3 * 5))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    cat "$1" >&2
    die "'$2' did not appear in $1 within $3 s"
}

# finish_loadtool NAME : waits for the load tool, shows its output, records its RESULT line and verdict.
finish_loadtool() {
    local status=0
    wait "$LOADTOOL_PID" || status=$?
    cat "$RUN_DIR/$1.txt" >&2
    add_summary "[$1] $(grep -h '^RESULT' "$RUN_DIR/$1.txt" || echo "no RESULT (exit $status)") exit=$status"
    [ "$status" = 0 ] || FAILED=1
}

wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }

restart_generator() { start_service RandomDemo.Generator "$generator_port"; generator_pid=$STARTED_PID; }

check() { # check NAME CONDITION-TEXT COMMAND... : records "ok"/"FAILED" for a yes/no check
    local name=$1 what=$2
    shift 2
    if "$@"; then add_summary "[$name] ok: $what"; else add_summary "[$name] FAILED: $what"; FAILED=1; fi
}

generator_port=$(free_port)
restart_generator

# 1. Gateway under 64 connections, generator SIGKILLed GATEWAY_KILLS times.
if wants gateway; then
gateway_port=$(free_port)
start_service RandomDemo.Gateway "$gateway_port" "services__generator__http__0=http://127.0.0.1:$generator_port"
gateway_pid=$STARTED_PID
log "gateway: 64 connections, generator SIGKILLed $GATEWAY_KILLS times (outages of ~2 s plus its start)"
run_loadtool gateway http-faults --url "http://127.0.0.1:$gateway_port/random/number?min=1&max=100" \
    --generator "http://127.0.0.1:$generator_port" --concurrency 64 --duration $((6 + GATEWAY_KILLS * 12)) --deadline-ms 2000
sleep 4
for round in $(seq 1 "$GATEWAY_KILLS"); do
    log "gateway: SIGKILL generator ($round/$GATEWAY_KILLS)"
    kill -KILL "$generator_pid"
    sleep 2
    restart_generator
    sleep 4
done
finish_loadtool gateway
stop_process "$gateway_pid"
fi

# 2. 1,000 SSE clients while the generator is killed and stopped.
if wants sse-generator; then
streaming_port=$(free_port)
start_service RandomDemo.Streaming "$streaming_port" "services__generator__http__0=http://127.0.0.1:$generator_port"
streaming_pid=$STARTED_PID
streaming_log="$RUN_DIR/RandomDemo.Streaming-$streaming_port.log"
log "sse-generator: $SSE_CLIENTS clients; generator SIGKILL ${SHORT_OUTAGE} s, SIGSTOP 12 s, SIGKILL ${LONG_OUTAGE} s"
run_loadtool sse-generator sse-faults --url "http://127.0.0.1:$streaming_port/stream" --clients "$SSE_CLIENTS" \
    --generator "http://127.0.0.1:$generator_port" --duration $((50 + SHORT_OUTAGE + LONG_OUTAGE)) --disconnects none --resets 0
wait_for_text "$RUN_DIR/sse-generator.txt" "^connected:" 180
sleep 3
log "sse-generator: SIGKILL generator, ${SHORT_OUTAGE} s outage"
kill -KILL "$generator_pid"; sleep "$SHORT_OUTAGE"; restart_generator; sleep 5
log "sse-generator: SIGSTOP generator for 12 s"
kill -STOP "$generator_pid"; sleep 12; kill -CONT "$generator_pid"; sleep 5
log "sse-generator: SIGKILL generator, ${LONG_OUTAGE} s outage"
kill -KILL "$generator_pid"; sleep "$LONG_OUTAGE"; restart_generator
finish_loadtool sse-generator
metrics=$(curl -s "http://127.0.0.1:$streaming_port/metrics")
add_summary "[sse-generator] streaming /metrics after: $metrics"
check sse-generator "the stall detector fired on SIGSTOP" grep -q "Upstream stream stalled" "$streaming_log"
check sse-generator "the upstream reconnected after each of the 3 outages" \
    test "$(echo "$metrics" | grep -o '"upstream_reconnects":[0-9]*' | cut -d: -f2)" -ge 3
stop_process "$streaming_pid"
fi

# 3. The streaming service itself restarted under 1,000 clients: SIGTERM (state file), then SIGKILL.
if wants streaming-restart; then
state_file="$RUN_DIR/state/stream-state.json"
streaming_port=$(free_port)
start_streaming() {
    start_service RandomDemo.Streaming "$streaming_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "Streaming__StateFile=$state_file"
    streaming_pid=$STARTED_PID
}
start_streaming
for kind in TERM KILL; do
    resets=0; [ "$kind" = KILL ] && resets=1
    log "streaming-restart: $SSE_CLIENTS clients; streaming SIG$kind and start again (expect $resets reset per client)"
    run_loadtool "streaming-$kind" sse-faults --url "http://127.0.0.1:$streaming_port/stream" --clients "$SSE_CLIENTS" \
        --duration 25 --reconnect-ms 250 --disconnects some --resets "$resets"
    wait_for_text "$RUN_DIR/streaming-$kind.txt" "^connected:" 180
    sleep 5
    if [ "$kind" = TERM ]; then stop_process "$streaming_pid"; else kill -KILL "$streaming_pid"; fi
    start_streaming
    finish_loadtool "streaming-$kind"
done
check streaming-restart "the restarted service loaded the saved state" grep -q "Loaded stream state" "$RUN_DIR/RandomDemo.Streaming-$streaming_port.log"
stop_process "$streaming_pid"
fi

# 4. State file unwritable or corrupt at start.
if wants state-file; then
first_event_id() { curl -s -N --max-time 5 "http://127.0.0.1:$1/stream?lastEventId=0" | grep -m1 '^id: ' | cut -d' ' -f2; }
: >"$RUN_DIR/blocker"
streaming_port=$(free_port)
start_service RandomDemo.Streaming "$streaming_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "Streaming__StateFile=$RUN_DIR/blocker/state.json"
check state-file "unwritable path: a clear error line at start" grep -q "cannot be written" "$RUN_DIR/RandomDemo.Streaming-$streaming_port.log"
check state-file "unwritable path: the service runs and streams" test -n "$(first_event_id "$streaming_port")"
add_summary "[state-file] unwritable: $(grep -h -A1 'cannot be written' "$RUN_DIR/RandomDemo.Streaming-$streaming_port.log" | tr -s ' ' | tr '\n' ' ' | cut -c1-220)"
stop_process "$STARTED_PID"
echo '{"last_event_id": 12, "events": [garbage' >"$RUN_DIR/corrupt.json"
streaming_port=$(free_port)
start_service RandomDemo.Streaming "$streaming_port" "services__generator__http__0=http://127.0.0.1:$generator_port" "Streaming__StateFile=$RUN_DIR/corrupt.json"
check state-file "corrupt file: a clear warning at start" grep -q "cannot be used" "$RUN_DIR/RandomDemo.Streaming-$streaming_port.log"
check state-file "corrupt file: a cold start, event ids from 1" test "$(first_event_id "$streaming_port")" = 1
stop_process "$STARTED_PID"
fi

print_summary "faults (loopback; Release; services as processes)"
exit "$FAILED"
