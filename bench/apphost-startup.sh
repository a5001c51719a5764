#!/usr/bin/env bash
# Start-up benchmark of the AppHost (Aspire, DCP): from the command to
#   started   Aspire's "Distributed application started" line on the AppHost's console
#   number    the gateway answering GET http://localhost:8081/random/number?min=1&max=1 with 200
#             (so the generator is up too)
# Median of RUNS runs per way of starting it, the ways alternating within each round:
#   dotnet run -c $CONFIGURATION --project RandomDemo.AppHost            (its restore and up-to-date build check count)
#   dotnet run -c $CONFIGURATION --no-build --project RandomDemo.AppHost
#   dotnet RandomDemo.AppHost/bin/$CONFIGURATION/net10.0/RandomDemo.AppHost.dll
# on the app's fixed ports (8081 8085 50051, dashboard 18888/18889/18887: they must be free). Between
# runs the AppHost gets Ctrl+C and the next run waits until every process of the previous one is gone.
# Usage: bench/apphost-startup.sh [RUNS]   (default 5; CONFIGURATION=Release|Debug, default Release)
requested_configuration=${CONFIGURATION:-Release}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONFIGURATION=$requested_configuration
source "$BENCH_DIR/apphost-lib.sh"
cd "$REPO_DIR"

RUNS=${1:-5}
LIMIT_SECONDS=90

ensure_commands ss curl
apphost_check_ports
build_release RandomDemo.AppHost/RandomDemo.AppHost.csproj
log "load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

now_ms() { date +%s%3N; }

# measure LABEL COMMAND... : one start; appends "LABEL started_ms number_ms" to RUN_DIR/startup.tsv.
measure() {
    local label=$1
    shift
    local n
    n=$(( $(wc -l <"$RUN_DIR/startup.tsv") + 1 ))
    local name="start$n" mark
    mark="$(basename "$RUN_DIR")-$n"
    local start started="" number=""
    start=$(now_ms)
    apphost_start "$name" "$mark" -- "$@" "--AppHost:StateDirectory=$RUN_DIR/state"
    while (( $(now_ms) - start < LIMIT_SECONDS * 1000 )); do
        [ -z "$started" ] && grep -q "Distributed application started" "$RUN_DIR/$name.log" && started=$(( $(now_ms) - start ))
        if curl -sf -o /dev/null --max-time 2 "http://localhost:8081/random/number?min=1&max=1"; then
            number=$(( $(now_ms) - start ))
            break
        fi
        kill -0 "$APPHOST_PGID" 2>/dev/null || break
        sleep 0.02
    done
    [ -z "$started" ] && grep -q "Distributed application started" "$RUN_DIR/$name.log" && started=$(( $(now_ms) - start ))
    apphost_stop "$mark"
    [ -n "$number" ] || { tail -30 "$RUN_DIR/$name.log" >&2; die "$label: no number from the gateway within $LIMIT_SECONDS s"; }
    printf '%s\t%s\t%s\n' "$label" "${started:-nan}" "$number" >>"$RUN_DIR/startup.tsv"
    log "$label: started ${started:-?} ms, number $number ms"
}

: >"$RUN_DIR/startup.tsv"
dll="RandomDemo.AppHost/bin/$CONFIGURATION/net10.0/RandomDemo.AppHost.dll"
labels=("dotnet run -c $CONFIGURATION --project RandomDemo.AppHost"
    "dotnet run -c $CONFIGURATION --no-build --project RandomDemo.AppHost"
    "dotnet $dll")
for round in $(seq 1 "$RUNS"); do
    log "round $round/$RUNS"
    measure "${labels[0]}" dotnet run -c "$CONFIGURATION" --project RandomDemo.AppHost --
    measure "${labels[1]}" dotnet run -c "$CONFIGURATION" --no-build --project RandomDemo.AppHost --
    measure "${labels[2]}" dotnet "$dll"
done

add_summary "$(printf '%-70s %11s %11s  %s' command 'started ms' 'number ms' 'runs (number ms)')"
for label in "${labels[@]}"; do
    add_summary "$(awk -F'\t' -v label="$label" '
        function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : int((a[n / 2] + a[n / 2 + 1]) / 2) }
        $1 == label { n++; s[n] = $2; b[n] = $3; runs = runs " " $3 }
        END { printf "%-70s %11s %11s  %s", label, median(s, n), median(b, n), runs }' "$RUN_DIR/startup.tsv")"
done
print_summary "AppHost start-up (median of $RUNS)"
