#!/usr/bin/env bash
# gRPC unary, direct to the generator, at 16 and 64 concurrent calls, side by side in one run:
#   the C# driver (one GrpcChannel, closed loop):  loadtool grpc --target URL --concurrency 16,64
#   h2load with a pre-framed NumberRequest{min=1,max=100} on one HTTP/2 connection (-c1 -m16 / -m64)
# plus the generator's StreamRandomData at STREAMS streams x 50 ms (points/s, point latency).
# Environment: DURATION (10), LEVELS ("16 64"), STREAMS (100).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-10}
LEVELS=${LEVELS:-16 64}
STREAMS=${STREAMS:-100}

ensure_commands h2load ss
build_release RandomDemo.Generator/RandomDemo.Generator.csproj bench/RandomDemo.LoadTool/RandomDemo.LoadTool.csproj

generator_port=$(free_port)
start_service RandomDemo.Generator "$generator_port"
generator_pid=$STARTED_PID
target="http://127.0.0.1:$generator_port"

# gRPC message framing: 1 byte "not compressed", 4 bytes big-endian length, then the protobuf
# NumberRequest{min=1 (08 01), max=100 (10 64)}.
printf '\x00\x00\x00\x00\x04\x08\x01\x10\x64' >"$RUN_DIR/number-request.bin"

levels_csv=$(echo "$LEVELS" | tr ' ' ',')
log "C# driver, unary, concurrency $levels_csv"
timeout $((DURATION * 4 + 120)) dotnet "$LOADTOOL" grpc --target "$target" --concurrency "$levels_csv" --duration "$DURATION" --warmup 3 --server-pid "$generator_pid" | tee "$RUN_DIR/driver.txt" >&2

for level in $LEVELS; do
    log "h2load, unary, -c1 -m$level"
    timeout $((DURATION + 60)) h2load -c1 -m"$level" -D "$DURATION" --warm-up-time=2 -d "$RUN_DIR/number-request.bin" \
        -H 'content-type: application/grpc' -H 'te: trailers' "$target/random.RandomService/GetRandomNumber" >"$RUN_DIR/h2load-$level.txt"
    awk -v level="$level" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^finished in/ { rps = $4 } /^requests:/ { failed = $10; errored = $12 } /^time for request:/ { mean = ms($6) }
        END { printf "RESULT h2load mode=unary concurrency=%s rate=%.0f mean_ms=%.2f failed=%s errored=%s\n", level, rps, mean, failed, errored }' "$RUN_DIR/h2load-$level.txt" | tee -a "$RUN_DIR/h2load.txt" >&2
done

log "C# driver, $STREAMS server streams at 50 ms"
timeout $((DURATION * 2 + 120)) dotnet "$LOADTOOL" grpc --target "$target" --mode stream --concurrency "$STREAMS" --frequency-ms 50 --duration "$DURATION" --warmup 2 --server-pid "$generator_pid" | tee "$RUN_DIR/streams.txt" >&2

add_summary "commands: loadtool grpc --target URL --concurrency $levels_csv --duration $DURATION --warmup 3 | h2load -c1 -mN -D $DURATION --warm-up-time=2 -d number-request.bin -H 'content-type: application/grpc' -H 'te: trailers' URL/random.RandomService/GetRandomNumber | loadtool grpc --mode stream --concurrency $STREAMS --frequency-ms 50"
while read -r line; do add_summary "$line"; done < <(grep -h '^RESULT' "$RUN_DIR/driver.txt" "$RUN_DIR/h2load.txt" "$RUN_DIR/streams.txt")
print_summary "gRPC direct to the generator"
