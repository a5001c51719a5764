#!/usr/bin/env bash
# Every scenario in turn (each builds, starts and stops its own processes); the summaries at the end.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/randomdemo-bench-all.XXXXXX")
status=0
for scenario in gateway grpc sse-fanout churn; do
    echo "==> $scenario" >&2
    "$BENCH_DIR/$scenario.sh" >"$OUT/$scenario.txt" || { echo "$scenario failed (exit $?)" >&2; status=1; }
done
cat "$OUT"/gateway.txt "$OUT"/grpc.txt "$OUT"/sse-fanout.txt "$OUT"/churn.txt 2>/dev/null
exit $status
