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
# DEV_CERT=compare runs this checkout as "no-cert" (as the machine is: without a trusted ASP.NET Core
# development certificate DCP generates its API server's keys at every start) and "dev-cert" (HOME
# set to a scratch folder holding a dev certificate trusted there by `dotnet dev-certs https --trust`,
# SSL_CERT_DIR naming it; Aspire then hands it to DCP), alternating; the machine's own HOME is untouched.
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

DEV_CERT=${DEV_CERT:-}
case "$DEV_CERT" in "" | compare) ;; *) die "DEV_CERT takes 'compare' (or is unset), not '$DEV_CERT'" ;; esac
[ -n "$COMPARE_REPO" ] && [ -n "$DEV_CERT" ] && die "COMPARE_REPO and DEV_CERT=compare: one comparison at a time"
sides=(after)
[ -n "$COMPARE_REPO" ] && sides=(before after)
[ -n "$DEV_CERT" ] && sides=(no-cert dev-cert)

# A scratch HOME with a development certificate trusted in it (exit code 4 of `dotnet dev-certs https
# --trust` only says that no browser store took it; OpenSSL's trust is the folder below).
dev_cert_vars=()
if [ -n "$DEV_CERT" ]; then
    cert_home="$RUN_DIR/dev-cert-home"
    mkdir -p "$cert_home"
    (cd "$cert_home" && HOME="$cert_home" DOTNET_CLI_HOME="$cert_home" dotnet dev-certs https --trust >"$RUN_DIR/dev-certs.log" 2>&1) || true
    ls "$cert_home"/.aspnet/dev-certs/trust/*.pem >/dev/null 2>&1 || { cat "$RUN_DIR/dev-certs.log" >&2; die "dotnet dev-certs https --trust made no trusted certificate in $cert_home"; }
    dev_cert_vars=("HOME=$cert_home" "DOTNET_CLI_HOME=$cert_home" "NUGET_PACKAGES=${NUGET_PACKAGES:-$HOME/.nuget/packages}"
        "SSL_CERT_DIR=$cert_home/.aspnet/dev-certs/trust:${SSL_CERT_DIR:-$(openssl version -d 2>/dev/null | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/certs}")
fi

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
    [ "$side" = dev-cert ] && vars+=("${dev_cert_vars[@]}")
    local start started number
    start=$(now_ms)
    APPHOST_REPO=$repo apphost_start "$name" "$mark" "${vars[@]}" -- "${command[@]}" "--AppHost:StateDirectory=$RUN_DIR/state-$n"
    read -r started number < <("${APPHOST_PROCS[@]}" startup "$RUN_DIR/$name.log" "http://localhost:8081/random/number?min=1&max=1" \
        --pid "$APPHOST_PGID" --since-ms "$start" --timeout "$LIMIT_SECONDS")
    apphost_stop "$mark"
    [ "$number" != nan ] || { tail -30 "$RUN_DIR/$name.log" >&2; die "$name: no number from the gateway within $LIMIT_SECONDS s"; }
    printf '%s\t%s\t%s\t%s\n' "$side" "$start_way" "$started" "$number" >>"$RUN_DIR/startup.tsv"
    log "$side $start_way: started $started ms, number $number ms (load $(cut -d" " -f1 /proc/loadavg))"
}

: >"$RUN_DIR/startup.tsv"
for round in $(seq 1 "$RUNS"); do
    log "round $round/$RUNS"
    for start_way in $STARTS; do
        for side in "${sides[@]}"; do measure "$side" "$start_way"; done
    done
done

if [ -n "$DEV_CERT" ]; then
    add_summary "no-cert = the machine as it is; dev-cert = a trusted ASP.NET Core development certificate (scratch HOME); both this checkout; times in ms from the command"
else
    add_summary "before = ${COMPARE_REPO:-(none)} at $(git -C "${COMPARE_REPO:-$REPO_DIR}" rev-parse --short HEAD 2>/dev/null || echo n/a); after = this checkout; times in ms from the command"
fi
add_summary "$(printf '%-9s %-8s %11s %11s  %s' start side 'started ms' 'number ms' 'runs (number ms)')"
for start_way in $STARTS; do
    for side in "${sides[@]}"; do
        add_summary "$(awk -F'\t' -v side="$side" -v way="$start_way" '
            function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                return n % 2 ? a[(n + 1) / 2] : int((a[n / 2] + a[n / 2 + 1]) / 2) }
            $1 == side && $2 == way { n++; s[n] = $3; b[n] = $4; runs = runs " " $4 }
            END { printf "%-9s %-8s %11s %11s %s", way, side, median(s, n), median(b, n), runs }' "$RUN_DIR/startup.tsv")"
    done
    if [ ${#sides[@]} -eq 2 ]; then
        add_summary "$(awk -F'\t' -v way="$start_way" -v one="${sides[0]}" -v two="${sides[1]}" '
            function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
            $2 == way && $1 == one { nb++; sb[nb] = $3; bb[nb] = $4 }
            $2 == way && $1 == two { na++; sa[na] = $3; ba[na] = $4 }
            END { gsub("-", "_", one); gsub("-", "_", two)
                printf "RESULT apphost-startup start=%s runs=%d %s_number_ms=%d %s_number_ms=%d %s_over_%s=%.2f %s_started_ms=%d %s_started_ms=%d",
                way, na, one, median(bb, nb), two, median(ba, na), two, one, median(ba, na) / median(bb, nb), one, median(sb, nb), two, median(sa, na) }' "$RUN_DIR/startup.tsv")"
    fi
done
print_summary "AppHost start-up (median of $RUNS)"
