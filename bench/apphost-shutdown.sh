#!/usr/bin/env bash
# Ctrl+C of the AppHost, as a user presses it: the AppHost is started as a user starts it
# (`dotnet run -c Release --no-build --project RandomDemo.AppHost`; STARTS="no-build build" adds the
# run with its build check; own process group, SIGINT at its default action), waited for until
# gateway and streaming answer /health, given a few requests, then SIGINT goes to its process group.
# Measured from the signal, by polling /proc every 10 ms (bench/apphost-procs.py watch):
#   services  every service process (generator, gateway, streaming) gone
#   all       every process of the run gone (dotnet run, AppHost, dcp start-apiserver / run-controllers /
#             monitor-process, dashboard, services and, where there are any, their `dotnet run` wrappers)
#             and the fixed ports 8081 8085 50051 18888 18889 18887 no longer listened on
# and whether every service stopped gracefully ("graceful" in the summary needs all four):
#   state     the streaming state file was (re)written after the signal (its hosted services' StopAsync ran)
#   stopping  each of the three services logged "Application is shutting down..." (from the output files
#             DCP_PRESERVE_EXECUTABLE_LOGS=1 keeps)
#   killed    no "did not stop upon SIGTERM" / "SIGKILL" in any DCP process's log (debug level, kept in
#             the run's directory) nor in the AppHost's output; only DCP sends SIGKILL
#   errors    no "fail:" or "crit:" line in the AppHost's output nor in the services' output
# "sigterm" counts DCP's "Process stopped by SIGTERM" lines (the three services, or their `dotnet run`
# wrappers, and the dashboard: 4 when the dcp process that sent the signal lived long enough to see the exit).
# CASES (label=AppHost arguments; NAME=VALUE without leading dashes is an environment variable instead)
# alternate within each round; a label starting with "before" runs in COMPARE_REPO (another checkout,
# e.g. the base commit, built here first). Default: "after=", or "before=;after=" with COMPARE_REPO.
# Then KILL_RUNS rounds of SIGKILL to the AppHost process alone, each case in turn: until nothing of
# the run is left and the ports are free (limit 10 s; the script exits 1 if an "after" run misses it).
# Usage: bench/apphost-shutdown.sh [RUNS]   (default 3 rounds)
# Environment: STARTS ("no-build"), KILL_RUNS (RUNS), SETTLE (3: seconds between healthy and the
# signal, plus a random 0 to SETTLE_JITTER (2) s so that the signal falls anywhere within DCP's 2 s
# polls, as a person's Ctrl+C does), CASES, COMPARE_REPO, DCP_LOG_LEVEL (debug).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH_DIR/apphost-lib.sh"
cd "$REPO_DIR"

RUNS=${1:-3}
KILL_RUNS=${KILL_RUNS:-$RUNS}
STARTS=${STARTS:-no-build}
SETTLE=${SETTLE:-3}
SETTLE_JITTER=${SETTLE_JITTER:-2}
COMPARE_REPO=${COMPARE_REPO:-}
default_cases="after="
[ -n "$COMPARE_REPO" ] && default_cases="before=;after="
CASES=${CASES:-$default_cases}
DCP_LOG_LEVEL=${DCP_LOG_LEVEL:-debug}
KILL_LIMIT_SECONDS=10

ensure_commands ss curl
apphost_check_ports
apphost_build_all
log "load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

: >"$RUN_DIR/results.tsv"

# one_run LABEL START SIGNAL ARGS... : one start, signal and watch; appends a line to results.tsv.
one_run() {
    local label=$1 start=$2 signal=$3
    shift 3
    local n=$(( $(wc -l <"$RUN_DIR/results.tsv") + 1 ))
    local name="run$n-$label-$start-$signal" mark repo=$REPO_DIR
    mark="$(basename "$RUN_DIR")-$n"
    if [[ "$label" == before* ]]; then
        [ -n "$COMPARE_REPO" ] || die "case $label needs COMPARE_REPO"
        repo=$COMPARE_REPO
    fi
    local state_dir="$RUN_DIR/state-$n" vars=() args=() token
    for token in "$@"; do
        if [[ "$token" == [A-Za-z_]*=* ]]; then vars+=("$token"); else args+=("$token"); fi
    done
    local command=(dotnet run -c "$CONFIGURATION" --project RandomDemo.AppHost)
    [ "$start" = no-build ] && command=(dotnet run -c "$CONFIGURATION" --no-build --project RandomDemo.AppHost)
    APPHOST_REPO=$repo apphost_start "$name" "$mark" DCP_DIAGNOSTICS_LOG_LEVEL="$DCP_LOG_LEVEL" DCP_DIAGNOSTICS_LOG_FOLDER="$RUN_DIR/dcp-$n" \
        DCP_PRESERVE_EXECUTABLE_LOGS=1 "${vars[@]}" -- "${command[@]}" -- "--AppHost:StateDirectory=$state_dir" "${args[@]}"
    local up
    up=$(apphost_wait_healthy "$name")
    local session
    session=$(apphost_session_dir "$mark")
    [ -n "$session" ] && APPHOST_SESSION_DIRS+=("$session")
    for _ in $(seq 1 20); do curl -sf -o /dev/null "http://localhost:8081/random/number?min=1&max=100" || true; done
    sleep "$(awk -v base="$SETTLE" -v jitter="$SETTLE_JITTER" -v r="$RANDOM" 'BEGIN { printf "%.3f", base + jitter * r / 32767 }')"
    log "$name: healthy after $up s; sending SIG$signal (load $(cut -d" " -f1 /proc/loadavg))"
    "${APPHOST_PROCS[@]}" watch "$mark" --pid "$APPHOST_PGID" --signal "$signal" --state-file "$state_dir/streaming.json" --timeout 40 \
        >"$RUN_DIR/$name.watch" 2>&1 || true
    sed 's/^/    /' "$RUN_DIR/$name.watch" >&2
    # DCP's own words about how each process stopped, and the services' output (kept by DCP_PRESERVE_EXECUTABLE_LOGS).
    local dcp_logs=("$RUN_DIR/dcp-$n"/*.log)
    local sigterm killed errors stopping=0 f
    sigterm=$(cat "${dcp_logs[@]}" 2>/dev/null | grep -c 'Process stopped by SIGTERM' || true)
    killed=$(cat "${dcp_logs[@]}" "$RUN_DIR/$name.log" 2>/dev/null | grep -ciE 'did not stop upon SIGTERM|SIGKILL' || true)
    if [ -n "$session" ] && [ -d "$session" ]; then
        mkdir -p "$RUN_DIR/out-$n" && cp "$session"/*_out "$RUN_DIR/out-$n/" 2>/dev/null || true
        rm -rf "$session"
        for f in "$RUN_DIR/out-$n"/*_out; do
            [ -f "$f" ] && grep -q 'Content root path: .*/RandomDemo\.' "$f" && grep -q 'Application is shutting down' "$f" && stopping=$((stopping + 1))
        done
    fi
    errors=$(cat "$RUN_DIR/$name.log" "$RUN_DIR/out-$n"/*_out 2>/dev/null | grep -cE '(^|[[:space:]])(fail|crit):' || true)
    local result
    result=$(grep '^RESULT shutdown' "$RUN_DIR/$name.watch" || echo "RESULT shutdown none")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$start" "$signal" "$up" "$result" "$sigterm" "$killed" "$stopping" "$errors" >>"$RUN_DIR/results.tsv"
    # Whatever outlived the watch (it should not) goes now, before the next run needs the ports.
    "${APPHOST_PROCS[@]}" kill "$mark"
}

IFS=';' read -r -a case_list <<<"$CASES"
for round in $(seq 1 "$RUNS"); do
    for start in $STARTS; do
        for entry in "${case_list[@]}"; do
            label=${entry%%=*}
            read -r -a case_args <<<"${entry#*=}"
            log "round $round/$RUNS: $label, $start"
            one_run "$label" "$start" INT "${case_args[@]}"
        done
    done
done
for round in $(seq 1 "$KILL_RUNS"); do
    for entry in "${case_list[@]}"; do
        label=${entry%%=*}
        read -r -a case_args <<<"${entry#*=}"
        log "SIGKILL round $round/$KILL_RUNS: $label, no-build"
        one_run "$label" no-build KILL "${case_args[@]}"
    done
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
add_summary "before = ${COMPARE_REPO:-(none)} at $(git -C "${COMPARE_REPO:-$REPO_DIR}" rev-parse --short HEAD 2>/dev/null || echo n/a); after = this checkout"
add_summary "Ctrl+C = SIGINT to the process group of \`dotnet run -c $CONFIGURATION [--no-build] --project RandomDemo.AppHost\`; SIGKILL = to the AppHost process alone; times in seconds from the signal"
add_summary "$(printf '%-8s %-9s %-4s %7s %9s %7s %8s %6s  %-5s %-8s %-7s %-6s %-6s %s' case start sig healthy services apphost all ports state stopping sigterm killed errors left)"
while IFS=$'\t' read -r label start signal up result sigterm killed stopping errors; do
    add_summary "$(printf '%-8s %-9s %-4s %7s %9s %7s %8s %6s  %-5s %-8s %-7s %-6s %-6s %s' "$label" "$start" "$signal" "$up" \
        "$(field services_s <<<"$result")" "$(field apphost_s <<<"$result")" "$(field all_s <<<"$result")" "$(field ports_free_s <<<"$result")" \
        "$(field state_written <<<"$result")" "$stopping/3" "$sigterm/4" "$killed" "$errors" "$(field left <<<"$result")")"
done <"$RUN_DIR/results.tsv"
for signal in INT KILL; do
    for entry in "${case_list[@]}"; do
        add_summary "$(awk -F'\t' -v label="${entry%%=*}" -v signal="$signal" -v limit="$KILL_LIMIT_SECONDS" '
            function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
            function get(s, k,   r) { r = s; sub(".* " k "=", "", r); sub(" .*", "", r); return r + 0 }
            $1 == label && $3 == signal {
                n++; s[n] = get($5, "services_s"); a[n] = get($5, "all_s")
                graceful += ($8 == 3 && $7 == 0 && $9 == 0 && $5 ~ /state_written=yes/)
                clean += ($5 ~ /left=none/ && a[n] <= limit)
                within3 += (a[n] <= 3.0)
                if (a[n] > worst) worst = a[n] }
            END { if (n) printf "RESULT %s %s runs=%d services_median_s=%.2f all_median_s=%.2f all_worst_s=%.2f all_within_3s=%d/%d graceful_runs=%d/%d nothing_left_within_%ds=%d/%d",
                (signal == "KILL" ? "sigkill" : "ctrl-c"), label, n, median(s, n), median(a, n), worst, within3, n, graceful, n, limit, clean, n }' "$RUN_DIR/results.tsv")"
    done
done
print_summary "AppHost shutdown (Ctrl+C and SIGKILL)"
awk -F'\t' -v limit="$KILL_LIMIT_SECONDS" '$3 == "KILL" && $1 !~ /^before/ { r = $5; sub(".* all_s=", "", r); sub(" .*", "", r); if (r + 0 > limit || $5 !~ /left=none/) bad = 1 } END { exit bad }' "$RUN_DIR/results.tsv" \
    || die "after SIGKILL of the AppHost something was left or took longer than $KILL_LIMIT_SECONDS s"
