#!/usr/bin/env bash
# Every scenario in turn (each builds, starts and stops its own processes); the summaries at the
# end, then the performance targets with each figure's ratio to its target (bench/targets.sh).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/randomdemo-bench-all.XXXXXX")
status=0
# run NAME SCRIPT [NAME=VALUE...] : one scenario, its output in OUT/NAME.txt.
run() {
    local name=$1 script=$2
    shift 2
    echo "==> $name" >&2
    env "$@" "$BENCH_DIR/$script.sh" >"$OUT/$name.txt" || { echo "$name failed (exit $?)" >&2; status=1; }
}
run gateway gateway ROUNDS="${ROUNDS:-3}"
run grpc grpc
# 10,000 clients at 1 and 20 events/s, ours and the two baselines alternating; then 19,000 (one
# load process holds at most 20,000 open files) from two load processes.
run sse-fanout sse-fanout CLIENTS=10000 FREQUENCIES_MS="1000 50" ROUNDS="${ROUNDS:-3}" BASELINES="typed floor"
run sse-fanout-19k sse-fanout CLIENTS=19000 FREQUENCIES_MS=1000 PROCESSES=2
run churn churn
run scaleout scaleout
cat "$OUT"/gateway.txt "$OUT"/grpc.txt "$OUT"/sse-fanout.txt "$OUT"/sse-fanout-19k.txt "$OUT"/churn.txt "$OUT"/scaleout.txt 2>/dev/null
echo
echo "==== targets ===="
"$BENCH_DIR/targets.sh" "$OUT"/*.txt
exit $status
