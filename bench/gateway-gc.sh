#!/usr/bin/env bash
# The gateway under GC settings side by side (which setting keeps gen1 GCs rare in what ships). Each variant is a copy of the gateway's Release output with one runtimeconfig.json
# property set (rc-NAME=VALUE) or one environment variable (env-NAME=VALUE), or several joined by
# commas; "default" is the build as it is (workstation GC; rc-System.GC.Server=true is
# the Web SDK's default, Server GC with DATAS). Per round and variant: `loadtool runtime-stats --seconds 11` around
#   wrk -t2 -c64 -d8s --latency "http://127.0.0.1:PORT/random/number?min=1&max=100"
# then VmRSS; bare-kestrel runs in the same rounds. Prints one line per round and variant.
# Environment: ROUNDS (2), VARIANTS ("default rc-System.GC.Server=true
# rc-System.GC.Server=true,rc-System.GC.DynamicAdaptationMode=0 rc-System.GC.Server=true,env-DOTNET_GCgen0size=0x4000000").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-2}
VARIANTS=${VARIANTS:-default rc-System.GC.Server=true rc-System.GC.Server=true,rc-System.GC.DynamicAdaptationMode=0 rc-System.GC.Server=true,env-DOTNET_GCgen0size=0x4000000}

ensure_commands wrk
build_release RandomDemo.Generator/RandomDemo.Generator.csproj RandomDemo.Gateway/RandomDemo.Gateway.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj
built="$REPO_DIR/RandomDemo.Gateway/bin/$CONFIGURATION/net10.0"
path="/random/number?min=1&max=100"

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"
targets=()
index=0
for variant in $VARIANTS; do
    index=$((index + 1))
    dir="$RUN_DIR/gateway-$index"
    cp -r "$built" "$dir"
    settings=()
    IFS=, read -r -a parts <<<"$variant"
    for part in "${parts[@]}"; do
        case $part in
            default) ;;
            rc-*=*)
                setting=${part#rc-}
                python3 - "$dir/RandomDemo.Gateway.runtimeconfig.json" "${setting%%=*}" "${setting#*=}" <<'PY'
import json, sys
path, name, value = sys.argv[1:]
config = json.load(open(path))
parsed = {"true": True, "false": False}.get(value, int(value) if value.lstrip("-").isdigit() else value)
config["runtimeOptions"]["configProperties"][name] = parsed
json.dump(config, open(path, "w"), indent=2)
PY
                ;;
            env-*=*) settings+=("${part#env-}") ;;
            *) die "'$part' is neither default, rc-NAME=VALUE nor env-NAME=VALUE" ;;
        esac
    done
    port=$(free_port)
    start_process "gateway-$index" "Now listening on" env --chdir="$dir" ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production \
        "services__generator__http__0=http://127.0.0.1:$generator_port" "${settings[@]}" dotnet "$dir/RandomDemo.Gateway.dll"
    targets+=("$variant $port $STARTED_PID")
done
bare_port=$(free_port)
start_process bare-kestrel "listening on" dotnet "$LOADTOOL" bare-kestrel --port "$bare_port"
targets+=("bare $bare_port $STARTED_PID")

log "warm-up: 5 s each"
for target in "${targets[@]}"; do
    read -r label port pid <<<"$target"
    timeout 30 wrk -t2 -c64 -d5s "http://127.0.0.1:$port$path" >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
    for target in "${targets[@]}"; do
        read -r label port pid <<<"$target"
        out="$RUN_DIR/round-$round-$(echo "$label" | tr -c 'A-Za-z0-9.=\n' _)"
        timeout 60 dotnet "$LOADTOOL" runtime-stats --pid "$pid" --seconds 11 --top 5 >"$out.stats" &
        stats_pid=$!
        sleep 1.5
        timeout 40 wrk -t2 -c64 -d8s --latency "http://127.0.0.1:$port$path" >"$out.wrk"
        wait "$stats_pid" || true
        line=$(awk -v label="$label" -v round="$round" -v rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
            FNR == NR && /requests in/ { requests = $1 } FNR == NR && /Requests\/sec/ { rps = $2 } FNR == NR && /^ +99%/ { p99 = $2 }
            FNR != NR && /^RESULT runtime/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
            END { printf "RESULT gateway-gc round=%s variant=%s rps=%s p99=%s gcs=%s/%s/%s bytes_per_request=%.0f promoted_kb_per_gc=%s rss_mb=%.1f load=%s",
                      round, label, rps, p99, v["gen0"], v["gen1"], v["gen2"], v["allocated_bytes"] / requests, v["promoted_gen0_kb_per_gc"], rss / 1024, load }' "$out.wrk" "$out.stats")
        log "$line"
        add_summary "$line"
    done
done
print_summary "gateway under GC settings (gen1 GCs per 11 s, req/s, p99, RSS)"
