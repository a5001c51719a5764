#!/usr/bin/env bash
# Start-up benchmark of the AppHost (Aspire, DCP): from the command to
#   started   Aspire's "Distributed application started" line on the AppHost's console
#   number    the gateway answering GET http://localhost:8081/random/number?min=1&max=1 with 200
#             (so the generator is up too)
# on the app's fixed ports (8081 8085 50051, dashboard 18888/18889/18887: they must be free).
# Ways of starting it (STARTS, default "no-build"), each run RUNS times:
#   no-build  dotnet run -c $CONFIGURATION --no-build --project RandomDemo.AppHost
#   build     dotnet run -c $CONFIGURATION --project RandomDemo.AppHost   (restore and up-to-date check count)
#   dll       dotnet RandomDemo.AppHost/bin/$CONFIGURATION/net10.0/RandomDemo.AppHost.dll with the http
#             launch profile's environment (what `dotnet run` adds)
# COMPARE_REPO=DIR (another checkout, e.g. `git worktree add /tmp/apphost-before <base>`; built here
# first) runs every way there too as "before", this checkout being "after", alternating within each
# round (before, after, before, ...); the summary has both medians and after/before.
# Between runs the AppHost gets Ctrl+C and the next run waits until every process of the previous one is gone.
# Usage: bench/apphost-startup.sh [RUNS]   (default 5; CONFIGURATION=Release|Debug, default Release)
requested_configuration=${CONFIGURATION:-Release}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONFIGURATION=$requested_configuration
source "$BENCH_DIR/apphost-lib.sh"
cd "$REPO_DIR"

RUNS=${1:-5}
STARTS=${STARTS:-no-build}
COMPARE_REPO=${COMPARE_REPO:-}
LIMIT_SECONDS=90

ensure_commands ss curl
apphost_check_ports
apphost_build_all
log "load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

sides=(after)
[ -n "$COMPARE_REPO" ] && sides=(before after)

now_ms() { date +%s%3N; }

# measure SIDE START : one start of the AppHost of that side; appends "SIDE START started_ms number_ms" to RUN_DIR/startup.tsv.
measure() {
    local side=$1 start_way=$2 repo=$REPO_DIR
    [ "$side" = before ] && repo=$COMPARE_REPO
    local n
    n=$(( $(wc -l <"$RUN_DIR/startup.tsv") + 1 ))
    local name="start$n-$side-$start_way" mark="$(basename "$RUN_DIR")-$n"
    local vars=() command=()
    case "$start_way" in
        no-build) command=(dotnet run -c "$CONFIGURATION" --no-build --project RandomDemo.AppHost --) ;;
        build) command=(dotnet run -c "$CONFIGURATION" --project RandomDemo.AppHost --) ;;
        dll) mapfile -t vars < <(apphost_profile_env "$repo")
            command=(dotnet "RandomDemo.AppHost/bin/$CONFIGURATION/net10.0/RandomDemo.AppHost.dll") ;;
        *) die "unknown way of starting '$start_way' (STARTS: no-build, build, dll)" ;;
    esac
    local start started="" number=""
    start=$(now_ms)
    APPHOST_REPO=$repo apphost_start "$name" "$mark" "${vars[@]}" -- "${command[@]}" "--AppHost:StateDirectory=$RUN_DIR/state-$n"
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
    [ -n "$number" ] || { tail -30 "$RUN_DIR/$name.log" >&2; die "$name: no number from the gateway within $LIMIT_SECONDS s"; }
    printf '%s\t%s\t%s\t%s\n' "$side" "$start_way" "${started:-nan}" "$number" >>"$RUN_DIR/startup.tsv"
    log "$side $start_way: started ${started:-?} ms, number $number ms (load $(cut -d" " -f1 /proc/loadavg))"
}

: >"$RUN_DIR/startup.tsv"
for round in $(seq 1 "$RUNS"); do
    log "round $round/$RUNS"
    for start_way in $STARTS; do
        for side in "${sides[@]}"; do measure "$side" "$start_way"; done
    done
done

add_summary "before = ${COMPARE_REPO:-(none)} at $(git -C "${COMPARE_REPO:-$REPO_DIR}" rev-parse --short HEAD 2>/dev/null || echo n/a); after = this checkout; times in ms from the command"
add_summary "$(printf '%-9s %-6s %11s %11s  %s' start side 'started ms' 'number ms' 'runs (number ms)')"
for start_way in $STARTS; do
    for side in "${sides[@]}"; do
        add_summary "$(awk -F'\t' -v side="$side" -v way="$start_way" '
            function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                return n % 2 ? a[(n + 1) / 2] : int((a[n / 2] + a[n / 2 + 1]) / 2) }
            $1 == side && $2 == way { n++; s[n] = $3; b[n] = $4; runs = runs " " $4 }
            END { printf "%-9s %-6s %11s %11s %s", way, side, median(s, n), median(b, n), runs }' "$RUN_DIR/startup.tsv")"
    done
    if [ -n "$COMPARE_REPO" ]; then
        add_summary "$(awk -F'\t' -v way="$start_way" '
            function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
            $2 == way && $1 == "before" { nb++; sb[nb] = $3; bb[nb] = $4 }
            $2 == way && $1 == "after" { na++; sa[na] = $3; ba[na] = $4 }
            END { printf "RESULT apphost-startup start=%s runs=%d before_number_ms=%d after_number_ms=%d after_over_before=%.2f before_started_ms=%d after_started_ms=%d",
                way, na, median(bb, nb), median(ba, na), median(ba, na) / median(bb, nb), median(sb, nb), median(sa, na) }' "$RUN_DIR/startup.tsv")"
    fi
done
print_summary "AppHost start-up (median of $RUNS)"
