# Shared by the bench scripts (source it): tools, Release build, services as processes on
# loopback, clean-up on exit. Every wait is bounded; every process started here is killed by the trap.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
CONFIGURATION=Release
LOADTOOL="$BENCH_DIR/RandomDemo.LoadTool/bin/$CONFIGURATION/net10.0/RandomDemo.LoadTool.dll"
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/randomdemo-bench.XXXXXX")
STARTED_PIDS=()
SUMMARY=()

stop_all() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "${STARTED_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.2
    done
    for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    STARTED_PIDS=()
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs the Debian packages that provide the named commands, if any is missing.
ensure_commands() {
    local missing=() cmd pkg
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 && continue
        case "$cmd" in
            wrk) pkg=wrk ;;
            h2load) pkg=nghttp2-client ;;
            ss) pkg=iproute2 ;;
            curl) pkg=curl ;;
            redis-server) pkg=redis-server ;;
            *) die "no package known for '$cmd'" ;;
        esac
        missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return
    log "installing ${missing[*]} (apt-get)"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    timeout 600 $sudo apt-get install -y "${missing[@]}" >"$RUN_DIR/apt.log" 2>&1 \
        || { timeout 300 $sudo apt-get update >>"$RUN_DIR/apt.log" 2>&1 && timeout 600 $sudo apt-get install -y "${missing[@]}" >>"$RUN_DIR/apt.log" 2>&1; } \
        || die "apt-get install ${missing[*]} failed, see $RUN_DIR/apt.log"
}

# Builds the named projects (paths relative to the repo) in Release, quietly.
build_release() {
    local project
    for project in "$@"; do
        log "dotnet build -c $CONFIGURATION $project"
        timeout 900 dotnet build -c "$CONFIGURATION" -nologo -v q "$REPO_DIR/$project" >"$RUN_DIR/build-$(basename "$project").log" 2>&1 \
            || { tail -20 "$RUN_DIR/build-$(basename "$project").log" >&2; die "build of $project failed"; }
    done
}

# A TCP port no socket uses (the preferred one if it is free). Picked below the kernel's
# ephemeral range, which the load tool's thousands of client sockets draw from.
free_port() {
    local preferred=${1:-0} port low
    if [ "$preferred" != 0 ] && ! ss -Htan "sport = :$preferred" | grep -q .; then echo "$preferred"; return; fi
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    for _ in $(seq 1 100); do
        port=$((10000 + RANDOM % (low - 10000)))
        ss -Htan "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
    die "no free port found"
}

# start_process NAME READY_TEXT COMMAND... : runs it in the background (log in RUN_DIR/NAME.log),
# waits up to 60 s for READY_TEXT in its output, sets STARTED_PID.
start_process() {
    local name=$1 ready=$2
    shift 2
    "$@" >"$RUN_DIR/$name.log" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
    for _ in $(seq 1 300); do
        grep -q "$ready" "$RUN_DIR/$name.log" 2>/dev/null && { log "$name started (pid $STARTED_PID)"; return; }
        kill -0 "$STARTED_PID" 2>/dev/null || { tail -20 "$RUN_DIR/$name.log" >&2; die "$name exited at start"; }
        sleep 0.2
    done
    tail -20 "$RUN_DIR/$name.log" >&2
    die "$name did not start within 60 s"
}

# start_service PROJECT PORT [NAME=VALUE...] : a service from its Release build, on 127.0.0.1:PORT.
# It runs in its output directory, as in a container, because the content root (where
# appsettings.json is read, with its log levels) is the working directory. SERVICE_REPO (default:
# this checkout) runs the build of another checkout instead, e.g. the "before" side of a lever.
start_service() {
    local project=$1 port=$2
    shift 2
    local bin="${SERVICE_REPO:-$REPO_DIR}/$project/bin/$CONFIGURATION/net10.0"
    start_process "$project-$port" "Now listening on" env --chdir="$bin" ASPNETCORE_URLS="http://127.0.0.1:$port" \
        ASPNETCORE_ENVIRONMENT=Production "$@" dotnet "$bin/$project.dll"
}

# stop_process PID : SIGTERM, then SIGKILL after 10 s.
stop_process() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
}

# CPU seconds (user + system) a process has used so far.
cpu_seconds() { awk '{ split($0, a, ") "); split(a[2], f, " "); printf "%.2f", (f[12] + f[13]) / 100 }' "/proc/$1/stat"; }

machine_line() {
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(uname -sr); .NET SDK $(dotnet --version); $CONFIGURATION build"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); load average at start: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo n/a)"
}

add_summary() { SUMMARY+=("$*"); }

print_summary() {
    echo
    echo "==== summary: $1 ===="
    machine_line
    local line
    for line in "${SUMMARY[@]}"; do echo "$line"; done
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); logs: $RUN_DIR"
}
