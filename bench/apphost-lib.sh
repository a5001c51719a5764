# Shared by bench/apphost-*.sh (source it after lib.sh): the AppHost started as a user starts it,
# on its fixed ports, found and stopped again through bench/apphost-procs.py. Every process of a
# run carries RANDOMDEMO_BENCH_MARK=<mark> in its environment (DCP and the services inherit it), so
# the trap can stop exactly what this script started, also what DCP moved into its own session.

APPHOST_PORTS=(8081 8085 50051 18888 18889 18887)
APPHOST_PROCS=("python3" "$BENCH_DIR/apphost-procs.py")
APPHOST_MARKS=()
APPHOST_SESSION_DIRS=()

apphost_cleanup() {
    local mark dir
    for mark in "${APPHOST_MARKS[@]}"; do "${APPHOST_PROCS[@]}" kill "$mark" 2>/dev/null || true; done
    for dir in "${APPHOST_SESSION_DIRS[@]}"; do
        case "$dir" in /tmp/aspire-dcp*) rm -rf "$dir" ;; esac
    done
    APPHOST_MARKS=()
    APPHOST_SESSION_DIRS=()
}
trap 'apphost_cleanup; stop_all' EXIT

# Fails when a fixed port of the app is in use (another AppHost, or what it left behind).
apphost_check_ports() {
    local port busy=()
    for port in "${APPHOST_PORTS[@]}"; do
        ss -Htln "sport = :$port" | grep -q . && busy+=("$port")
    done
    [ ${#busy[@]} -eq 0 ] || die "port(s) ${busy[*]} in use (ss -ltnp shows by what); the AppHost needs 8081 8085 50051 18888 18889 18887 free"
}

# apphost_start NAME MARK [NAME=VALUE...] -- COMMAND... : starts COMMAND in its own session and
# process group with SIGINT at its default action (as a terminal runs it), the mark and the given
# variables in its environment, output in RUN_DIR/NAME.log, in APPHOST_REPO (default: this checkout).
# Sets APPHOST_PGID.
apphost_start() {
    local name=$1 mark=$2
    shift 2
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
    shift
    apphost_check_ports
    APPHOST_MARKS+=("$mark")
    rm -f "$RUN_DIR/$name.pid"
    env --chdir="${APPHOST_REPO:-$REPO_DIR}" RANDOMDEMO_BENCH_MARK="$mark" MSBUILDDISABLENODEREUSE=1 "${vars[@]}" \
        "${APPHOST_PROCS[@]}" launch "$RUN_DIR/$name.pid" "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
    for _ in $(seq 1 50); do [ -s "$RUN_DIR/$name.pid" ] && break; sleep 0.1; done
    [ -s "$RUN_DIR/$name.pid" ] || die "$name did not start"
    APPHOST_PGID=$(cat "$RUN_DIR/$name.pid")
}

# apphost_wait_healthy NAME [LIMIT_SECONDS] : until gateway and streaming answer /health with 200
# (the generator is up first: both wait for it). Prints the seconds it took.
apphost_wait_healthy() {
    local name=$1 limit=${2:-180} start
    start=$(date +%s%N)
    while (( ($(date +%s%N) - start) / 1000000000 < limit )); do
        if curl -sf -o /dev/null --max-time 2 http://localhost:8081/health && curl -sf -o /dev/null --max-time 2 http://localhost:8085/health; then
            awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.1f\n", ns / 1e9 }'
            return 0
        fi
        kill -0 "$APPHOST_PGID" 2>/dev/null || { tail -30 "$RUN_DIR/$name.log" >&2; die "$name exited before the services were healthy"; }
        sleep 0.25
    done
    tail -30 "$RUN_DIR/$name.log" >&2
    die "$name: gateway and streaming not healthy within $limit s"
}

# apphost_pid MARK KIND : the pid of the first process of that kind (service names: see apphost_service_pid).
apphost_pid() { "${APPHOST_PROCS[@]}" pids "$1" --kind "$2" | awk 'NR == 1 { print $1 }'; }

# apphost_service_pid MARK NAME : the pid of the service process (not its dotnet run wrapper), e.g. Streaming.
apphost_service_pid() { "${APPHOST_PROCS[@]}" pids "$1" --kind service | awk -v n="RandomDemo.$2" 'index($0, n) { print $1; exit }'; }

# DCP's session folder (kubeconfig, executables' output files) of a run, from start-apiserver's command line.
apphost_session_dir() {
    "${APPHOST_PROCS[@]}" pids "$1" --kind dcp-start-apiserver | sed -n 's|.*--kubeconfig \(/tmp/aspire-dcp[^/ ]*\)/kubeconfig.*|\1|p' | head -1
}

# apphost_stop MARK : Ctrl+C to the process group, then SIGKILL whatever of the mark is left after 20 s.
apphost_stop() {
    local mark=$1
    kill -INT -- "-$APPHOST_PGID" 2>/dev/null || true
    for _ in $(seq 1 100); do
        [ -z "$("${APPHOST_PROCS[@]}" pids "$mark")" ] && return 0
        sleep 0.2
    done
    log "warning: processes of $mark left 20 s after Ctrl+C; killing them"
    "${APPHOST_PROCS[@]}" kill "$mark"
}

# apphost_build_all : the AppHost (and so every service) built in this checkout and in COMPARE_REPO, if set.
apphost_build_all() {
    build_release RandomDemo.AppHost/RandomDemo.AppHost.csproj
    if [ -n "${COMPARE_REPO:-}" ]; then
        [ -f "$COMPARE_REPO/RandomDemo.sln" ] || die "COMPARE_REPO=$COMPARE_REPO is not a RandomDemo checkout"
        log "dotnet build -c $CONFIGURATION RandomDemo.AppHost in $COMPARE_REPO"
        timeout 900 dotnet build -c "$CONFIGURATION" -nologo -v q "$COMPARE_REPO/RandomDemo.AppHost/RandomDemo.AppHost.csproj" >"$RUN_DIR/build-before.log" 2>&1 \
            || { tail -20 "$RUN_DIR/build-before.log" >&2; die "build in $COMPARE_REPO failed"; }
    fi
}

# apphost_profile_env REPO : the AppHost's http launch profile as NAME=VALUE lines (its environment and
# applicationUrl as ASPNETCORE_URLS), what `dotnet run` adds when the AppHost's dll is started directly.
apphost_profile_env() {
    python3 - "$1/RandomDemo.AppHost/Properties/launchSettings.json" <<'PY'
import json, sys
profile = json.load(open(sys.argv[1]))["profiles"]["http"]
print(f"ASPNETCORE_URLS={profile['applicationUrl']}")
for name, value in profile.get("environmentVariables", {}).items():
    print(f"{name}={value}")
PY
}
