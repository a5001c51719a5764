#!/usr/bin/env bash
# Scale-out: streaming replicas sharing one event log on Redis Streams, loopback only.
#  1. one streaming process without Redis (in-memory log), CLIENTS_PER_REPLICA clients: the baseline;
#  2. REPLICAS streaming processes with ConnectionStrings__events (a redis-server of their own, one
#     generator, every replica its own upstream), CLIENTS_PER_REPLICA clients each from one load
#     process per replica (open files are capped at 20,000 per process): per-replica RSS, RSS per
#     connection, client-side p99, every event of the window delivered in order; then, with no clients,
#     the commands the replicas send Redis per second (MONITOR for REDIS_SAMPLE s: round trips, not
#     the commands the scripts run inside Redis);
#  3. producer failover: FAILOVER_CLIENTS EventSource-like clients (loadtool sse-faults) on each
#     replica, the producer's own clients moving to a follower when their stream is lost; the
#     producer is SIGKILLed: when a follower logs that it is producer, when the next event and the first
#     event the generator made after the kill reach clients, missing ids (must be 0), duplicates;
#     FAILOVER_ROUNDS times, the killed replica started again between them;
#  4. Redis lost: FAILOVER_CLIENTS clients on each replica, redis-server SIGKILLed and started again
#     empty REDIS_OUTAGE s later: when the first event reaches a client after the restart, gap events,
#     and ids two replicas sent with different points (an id used again: must be 0).
# With COMPARE_REPO, 2 to 4 run for both checkouts, alternating ROUNDS times ("after": this one,
# "before": the other), each on a fresh Redis, with the same generator and load tool.
#   loadtool sse --url http://127.0.0.1:PORT/stream --clients N --duration 10 --server-pid PID
#   loadtool sse-faults --url URL --clients N --duration 20 [--failover-url URL] --arrivals FILE
# Environment: REPLICAS (3), CLIENTS_PER_REPLICA (10000), FREQUENCY_MS (1000), DURATION (10),
# FAILOVER_CLIENTS (2000 per replica), FAILOVER_ROUNDS (3), LEASE_TTL (00:00:01, EventLog__LeaseTtl),
# COMPARE_REPO (another checkout, built in Release), ROUNDS (1), REDIS_SAMPLE (10), REDIS_OUTAGE (3).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPLICAS=${REPLICAS:-3}
CLIENTS_PER_REPLICA=${CLIENTS_PER_REPLICA:-10000}
FREQUENCY_MS=${FREQUENCY_MS:-1000}
DURATION=${DURATION:-10}
FAILOVER_CLIENTS=${FAILOVER_CLIENTS:-2000}
LEASE_TTL=${LEASE_TTL:-00:00:01}
FAILOVER_ROUNDS=${FAILOVER_ROUNDS:-3}
COMPARE_REPO=${COMPARE_REPO:-}
ROUNDS=${ROUNDS:-1}
REDIS_SAMPLE=${REDIS_SAMPLE:-10}
REDIS_OUTAGE=${REDIS_OUTAGE:-3}
FAILOVER_DURATION=20
KILL_AFTER=5
[ "$REPLICAS" -ge 2 ] || die "REPLICAS must be at least 2 (a failover needs a follower)"
[ -z "$COMPARE_REPO" ] || [ -f "$COMPARE_REPO/RandomDemo.Streaming/bin/$CONFIGURATION/net10.0/RandomDemo.Streaming.dll" ] \
    || die "COMPARE_REPO: no $CONFIGURATION build of RandomDemo.Streaming in $COMPARE_REPO"

ensure_commands ss curl redis-server
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Streaming/RandomDemo.Streaming.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"
upstream=("services__generator__http__0=http://127.0.0.1:$generator_port" "Upstream__FrequencyMs=$FREQUENCY_MS" "Streaming__MaxClients=20000")
# UTC timestamps on one line per entry: the takeover is read from the replicas' own logs.
replica_log=("Logging__Console__FormatterName=simple" "Logging__Console__FormatterOptions__SingleLine=true" "Logging__Console__FormatterOptions__UseUtcTimestamp=true"
    "Logging__Console__FormatterOptions__TimestampFormat=yyyy-MM-ddTHH:mm:ss.fffZ ")

now_ms() { date +%s%3N; }
load1() { cut -d' ' -f1 /proc/loadavg; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
field() { grep -h '^RESULT' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
last_event_id() { curl -s -m 2 "http://127.0.0.1:$1/metrics" | sed -n 's/.*"last_event_id":\([0-9]*\).*/\1/p'; }
role_of() { curl -s -m 2 "http://127.0.0.1:$1/metrics" | sed -n 's/.*"role":"\([a-z]*\)".*/\1/p'; }

# warm_up URL NAME: JIT and pools, so that the RSS baseline holds no start-up growth (as sse-fanout.sh does).
warm_up() {
    timeout 120 dotnet "$LOADTOOL" churn --url "$1" --cycles 500 --parallel 50 --until retry --warmup 0 --settle 2 >"$RUN_DIR/warmup-$2.txt" \
        || { cat "$RUN_DIR/warmup-$2.txt" >&2; die "warm-up of $1 failed"; }
}

# serving PORT: /stream answers 200 (a replica answers 503 until it has read the shared log once).
wait_serving() {
    for _ in $(seq 1 50); do
        # curl ends the endless stream after 1 s (exit 28) but still prints the status it got.
        [ "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "http://127.0.0.1:$1/stream" || true)" = 200 ] && return
        sleep 0.2
    done
    die "replica on port $1 did not serve /stream within 60 s"
}

# start_replica PORT: one replica of the current set (SET_REPO's build) on PORT; sets STARTED_PID.
start_replica() {
    SERVICE_REPO=$SET_REPO start_service RandomDemo.Streaming "$1" "${upstream[@]}" "${shared_log[@]}" "${replica_log[@]}"
}

# start_redis: redis-server on redis_port, nothing saved (a restart comes back empty); sets redis_pid.
start_redis() {
    start_process "redis-$redis_port" "Ready to accept connections" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no
    redis_pid=$STARTED_PID
}

# start_set SIDE REPO: a fresh redis-server and REPLICAS replicas of REPO's build, serving and warmed up.
start_set() {
    SIDE=$1
    SET_REPO=$2
    redis_port=$(free_port)
    start_redis
    shared_log=("ConnectionStrings__events=127.0.0.1:$redis_port,abortConnect=false" "EventLog__Name=bench-$$" "EventLog__LeaseTtl=$LEASE_TTL")
    ports=()
    pids=()
    for _ in $(seq 1 "$REPLICAS"); do
        port=$(free_port)
        start_replica "$port"
        ports+=("$port")
        pids+=("$STARTED_PID")
    done
    for i in "${!ports[@]}"; do
        wait_serving "${ports[$i]}"
        warm_up "http://127.0.0.1:${ports[$i]}/stream" "$SIDE-$ROUND-replica$((i + 1))"
    done
}

stop_set() {
    for pid in "${pids[@]}"; do stop_process "$pid"; done
    stop_process "$redis_pid"
}

# label: what every summary line of the current set starts with.
label() { echo "side=$SIDE round=$ROUND"; }

# ---- 2. CLIENTS_PER_REPLICA clients on each replica of the current set ----
sse_phase() {
    log "sse ($SIDE, round $ROUND): $CLIENTS_PER_REPLICA clients on each of $REPLICAS replicas ($((CLIENTS_PER_REPLICA * REPLICAS)) in all), one load process per replica"
    local loads=() i out total_complete=0 total_connected=0 events_before events_after
    for i in "${!ports[@]}"; do
        timeout $((DURATION + 400)) dotnet "$LOADTOOL" sse --url "http://127.0.0.1:${ports[$i]}/stream" --clients "$CLIENTS_PER_REPLICA" --duration "$DURATION" \
            --server-pid "${pids[$i]}" >"$RUN_DIR/sse-$SIDE-$ROUND-replica$((i + 1)).txt" 2>&1 &
        loads+=($!)
    done
    wait "${loads[@]}" || true
    for i in "${!ports[@]}"; do
        out="$RUN_DIR/sse-$SIDE-$ROUND-replica$((i + 1)).txt"
        cat "$out" >&2
        add_summary "$(grep -h '^RESULT' "$out" | sed "s/^RESULT sse/RESULT sse log=redis $(label) replica=$((i + 1)) role=$(role_of "${ports[$i]}")/")"
        total_complete=$((total_complete + $(field "$out" complete || echo 0)))
        total_connected=$((total_connected + $(field "$out" connected || echo 0)))
    done
    add_summary "replicas ($(label)): $total_complete of $total_connected clients (asked for $((CLIENTS_PER_REPLICA * REPLICAS))) got every window event in order"
    [ "$total_complete" = $((CLIENTS_PER_REPLICA * REPLICAS)) ] || verdict=FAILED

    # What the replicas ask of Redis: every command a client sent (MONITOR marks those run by a script "lua").
    events_before=$(last_event_id "${ports[0]}")
    timeout "$REDIS_SAMPLE" redis-cli -p "$redis_port" MONITOR >"$RUN_DIR/monitor-$SIDE-$ROUND.txt" || true
    events_after=$(last_event_id "${ports[0]}")
    add_summary "RESULT redis $(label) $(awk -v s="$REDIS_SAMPLE" -v e=$((events_after - events_before)) '
        NR > 1 && !/lua\]/ { n++; c[$4]++ }
        END { printf "round_trips_per_s=%.1f events_per_s=%.2f round_trips_per_event=%.1f by_command=", n / s, e / s, (e > 0 ? n / e : 0); for (k in c) printf "%s:%d,", k, c[k] }' \
        "$RUN_DIR/monitor-$SIDE-$ROUND.txt") redis_rss_kb=$(rss_kb "$redis_pid") load=$(load1)"
}

# log_ms LINE: the epoch ms of a replica log line (UTC timestamps, see replica_log).
log_ms() { date -u -d "$(cut -d' ' -f1 <<<"$1" | tr 'T' ' ' | tr -d 'Z')" +%s%3N; }

# start_fault_clients NAME [MOVING PORT]: FAILOVER_CLIENTS sse-faults clients on each replica (output
# RUN_DIR/NAME-replicaN.txt, arrivals RUN_DIR/arrivals-NAME-replicaN.txt); those of replica index MOVING
# may lose their stream and go on at PORT. Returns once all are connected; their pids are in faults.
start_fault_clients() {
    local name=$1 moving=${2:--1} i extra
    faults=()
    for i in "${!ports[@]}"; do
        extra=(--disconnects none)
        [ "$i" = "$moving" ] && extra=(--disconnects some --failover-url "http://127.0.0.1:$3/stream")
        timeout $((FAILOVER_DURATION + 200)) dotnet "$LOADTOOL" sse-faults --url "http://127.0.0.1:${ports[$i]}/stream" --clients "$FAILOVER_CLIENTS" \
            --duration "$FAILOVER_DURATION" --reconnect-ms 250 --arrivals "$RUN_DIR/arrivals-$name-replica$((i + 1)).txt" "${extra[@]}" \
            >"$RUN_DIR/$name-replica$((i + 1)).txt" 2>&1 &
        faults+=($!)
    done
    for i in "${!ports[@]}"; do
        timeout 180 bash -c "until grep -q '^connected:' '$RUN_DIR/$name-replica$((i + 1)).txt'; do sleep 0.2; done" || die "$name clients on replica $((i + 1)) did not connect"
    done
}

# ---- 3. producer failover, FAILOVER_ROUNDS times on the current set ----
failover_phase() {
    local kill_round producer followers i killed_ms takeover_ms new_producer at survivor_arrivals failover max_missing round_verdict out
    for kill_round in $(seq 1 "$FAILOVER_ROUNDS"); do
        producer=-1
        for i in "${!ports[@]}"; do [ "$(role_of "${ports[$i]}")" = producer ] && producer=$i; done
        [ "$producer" -ge 0 ] || die "no replica reports role producer: $(for p in "${ports[@]}"; do curl -s "http://127.0.0.1:$p/metrics"; echo; done)"
        followers=()
        for i in "${!ports[@]}"; do [ "$i" != "$producer" ] && followers+=("$i"); done
        local run="$SIDE-$ROUND-$kill_round"
        log "failover $kill_round/$FAILOVER_ROUNDS ($SIDE, round $ROUND): $FAILOVER_CLIENTS clients on each replica; the producer (replica $((producer + 1)), port ${ports[$producer]}) is SIGKILLed $KILL_AFTER s after all are connected"
        # The producer's clients are cut off by the kill and move to a follower, as behind a load balancer.
        start_fault_clients "failover-$run" "$producer" "${ports[${followers[0]}]}"
        sleep "$KILL_AFTER"
        killed_ms=$(now_ms)
        kill -KILL "${pids[$producer]}"
        wait "${faults[@]}" || true
        for i in "${!ports[@]}"; do cat "$RUN_DIR/failover-$run-replica$((i + 1)).txt" >&2; done

        # Takeover: the first "Event log role: producer" a follower logged after the kill.
        takeover_ms=never
        new_producer=none
        for i in "${followers[@]}"; do
            while read -r line; do
                at=$(log_ms "$line")
                if [ "$at" -ge "$killed_ms" ]; then
                    if [ "$takeover_ms" = never ] || [ $((at - killed_ms)) -lt "$takeover_ms" ]; then takeover_ms=$((at - killed_ms)); new_producer=$((i + 1)); fi
                    break
                fi
            done < <(grep 'Event log role: producer' "$RUN_DIR/RandomDemo.Streaming-${ports[$i]}.log")
        done

        # From the arrivals (each new id, when it first reached any client of that load process, and the
        # generator time it carries): the next event after the kill, the first event the generator made
        # after the kill (only the new producer can have appended it), and ids missing between arrivals.
        survivor_arrivals=()
        for i in "${followers[@]}"; do survivor_arrivals+=("$RUN_DIR/arrivals-failover-$run-replica$((i + 1)).txt"); done
        failover=$(sort -n -k2 "${survivor_arrivals[@]}" | awk -v k="$killed_ms" '
            $2 > k && next_ms == "" { next_ms = $2 - k; next_id = $1 }
            $3 > k && made_ms == "" { made_ms = $2 - k; made_id = $1 }
            END { printf "next_event_ms=%s next_id=%s first_event_made_after_kill_ms=%s its_id=%s", next_ms, next_id, made_ms, made_id }')
        max_missing=$(for f in "${survivor_arrivals[@]}"; do sort -n "$f" | awk 'NR > 1 && $1 - prev - 1 > m { m = $1 - prev - 1 } { prev = $1 } END { print m + 0 }'; done | sort -n | tail -1)
        round_verdict=ok
        for i in "${!ports[@]}"; do
            out="$RUN_DIR/failover-$run-replica$((i + 1)).txt"
            add_summary "$(grep -h '^RESULT' "$out" | sed "s/^RESULT sse-faults/RESULT failover $(label) kill=$kill_round replica=$((i + 1))$([ "$i" = "$producer" ] && echo ' killed_producer=yes')/")"
            [ "$(field "$out" verdict)" = ok ] && [ "$(field "$out" gaps)" = 0 ] || round_verdict=FAILED
        done
        [ "$max_missing" = 0 ] || round_verdict=FAILED
        [ "$round_verdict" = ok ] || verdict=FAILED
        add_summary "RESULT failover-time $(label) kill=$kill_round takeover_ms=$takeover_ms new_producer=replica$new_producer $failover max_missing_ids_between_arrivals=$max_missing load=$(load1) verdict=$round_verdict"

        # The killed replica comes back on its port (a follower now) for the next kill.
        start_replica "${ports[$producer]}"
        pids[producer]=$STARTED_PID
        wait_serving "${ports[$producer]}"
    done
}

# ---- 4. Redis killed and started again empty, on the current set ----
redis_restart_phase() {
    local name="redis-$SIDE-$ROUND" i restarted_ms first reused gaps=0 restart_verdict=ok out
    log "redis restart ($SIDE, round $ROUND): $FAILOVER_CLIENTS clients on each replica; redis-server SIGKILLed $KILL_AFTER s after all are connected, started again empty $REDIS_OUTAGE s later"
    start_fault_clients "$name"
    sleep "$KILL_AFTER"
    kill -KILL "$redis_pid"
    sleep "$REDIS_OUTAGE"
    start_redis
    restarted_ms=$(now_ms)
    wait "${faults[@]}" || true
    for i in "${!ports[@]}"; do
        out="$RUN_DIR/$name-replica$((i + 1)).txt"
        cat "$out" >&2
        add_summary "$(grep -h '^RESULT' "$out" | sed "s/^RESULT sse-faults/RESULT redis-restart $(label) replica=$((i + 1))/")"
        [ "$(field "$out" verdict)" = ok ] || restart_verdict=FAILED
        gaps=$((gaps + $(field "$out" gaps || echo 0)))
    done
    # Arrivals: id, when it first reached a client of that replica, the generator time of its point.
    first=$(sort -n -k2 "$RUN_DIR"/arrivals-"$name"-replica*.txt | awk -v r="$restarted_ms" '$2 > r { print $2 - r; exit }')
    reused=$(cat "$RUN_DIR"/arrivals-"$name"-replica*.txt | awk '($1 in point) && point[$1] != $3 { n++ } { point[$1] = $3 } END { print n + 0 }')
    [ "$reused" = 0 ] && [ -n "$first" ] || restart_verdict=FAILED
    [ "$restart_verdict" = ok ] || verdict=FAILED
    add_summary "RESULT redis-restart-time $(label) first_event_after_restart_ms=${first:-none} gap_events=$gaps ids_sent_with_two_points=$reused load=$(load1) verdict=$restart_verdict"
}

verdict=ok

# ---- 1. one process, in-memory log ----
single_port=$(free_port)
start_service RandomDemo.Streaming "$single_port" "${upstream[@]}"
single_pid=$STARTED_PID
warm_up "http://127.0.0.1:$single_port/stream" single
log "sse: $CLIENTS_PER_REPLICA clients on one process without Redis"
timeout $((DURATION + 400)) dotnet "$LOADTOOL" sse --url "http://127.0.0.1:$single_port/stream" --clients "$CLIENTS_PER_REPLICA" --duration "$DURATION" \
    --server-pid "$single_pid" >"$RUN_DIR/sse-single.txt" 2>&1 || true
cat "$RUN_DIR/sse-single.txt" >&2
stop_process "$single_pid"
add_summary "$(grep -h '^RESULT' "$RUN_DIR/sse-single.txt" | sed "s/^RESULT sse/RESULT sse log=memory replicas=1/")"

# ---- 2 and 3, per side and round ----
sides=(after)
[ -n "$COMPARE_REPO" ] && sides+=(before)
for ROUND in $(seq 1 "$ROUNDS"); do
    for side in "${sides[@]}"; do
        repo=$REPO_DIR
        [ "$side" = before ] && repo=$COMPARE_REPO
        start_set "$side" "$repo"
        sse_phase
        failover_phase
        redis_restart_phase
        stop_set
    done
done

print_summary "Scale-out ($REPLICAS replicas x $CLIENTS_PER_REPLICA clients on a Redis Streams log vs $CLIENTS_PER_REPLICA on one process; upstream every $FREQUENCY_MS ms; failover with $FAILOVER_CLIENTS clients per replica${COMPARE_REPO:+; after = $(git -C "$REPO_DIR" rev-parse --short HEAD), before = $(git -C "$COMPARE_REPO" rev-parse --short HEAD 2>/dev/null || echo "$COMPARE_REPO")})"
[ "$verdict" = ok ]
