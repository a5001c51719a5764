#!/usr/bin/env bash
# Issue 10's targets against the RESULT lines of bench runs (files given, or standard input):
# each figure, its target and the ratio of the figure to the target (<= 1 meets an upper bound,
# >= 1 a lower bound). Medians where a scenario ran several rounds.
#   bench/targets.sh RUN-OUTPUT...
set -euo pipefail
cat "$@" | awk '
    function field(line, name,   i, n, kv, parts) { n = split(line, parts, " "); for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] == name) { sub(/%$/, "", kv[2]); sub(/x$/, "", kv[2]); return kv[2] } } return "" }
    function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function row(what, value, unit, target, kind) {
        if (value == "") { printf "%-58s %12s   target %s %s%s   (not measured)\n", what, "-", kind, target, unit; return }
        printf "%-58s %10.1f%s   target %s %s%s   ratio %.2f  %s\n", what, value, unit, kind, target, unit, value / target,
            (kind == "<=" ? value <= target : value >= target) ? "met" : "MISSED" }
    /^RESULT gateway / && !/gateway-alloc/ { gw_ratio = field($0, "median_ratio_to_bare"); gw_p99 = field($0, "median_p99_vs_bare+grpc"); gw_rps = field($0, "median_rps") }
    /^RESULT gateway-alloc/ && /target=gateway / { gw_bytes = field($0, "bytes_per_request"); split(field($0, "gcs"), gw_gcs, "/") }
    /^RESULT sse frequency_ms=/ && /side=after/ {
        clients = field($0, "server_clients"); if (clients == "") clients = field($0, "clients")
        frequency = field($0, "frequency_ms"); key = clients "@" frequency
        n[key]++; p99[key, n[key]] = field($0, "p99_ms"); fan[key, n[key]] = field($0, "fanout_p99_ms"); kb[key, n[key]] = field($0, "kb_per_conn")
        cpu[key, n[key]] = field($0, "server_cpu_pct"); incomplete[key] += field($0, "connected") - field($0, "complete") + field($0, "clients") - field($0, "connected") }
    /^RESULT sse-part / { clients = field($0, "server_clients"); key = clients "@" field($0, "frequency_ms")
        incomplete[key] += field($0, "connected") - field($0, "complete") + field($0, "clients") - field($0, "connected")
        if (field($0, "p99_ms") > partp99[key]) partp99[key] = field($0, "p99_ms") }
    /^RESULT churn / { churn_gc = field($0, "rss_gc_growth_pct"); churn_clients = field($0, "clients_after"); churn_ok = field($0, "ok"); churn_cycles = field($0, "cycles") }
    function sse(key, clients, frequency,   i, a, b, c, d, m) {
        m = n[key]; if (m == 0) return
        for (i = 1; i <= m; i++) { a[i] = p99[key, i]; b[i] = fan[key, i]; c[i] = kb[key, i]; d[i] = cpu[key, i] }
        printf "SSE %s clients, %s events/s (%d run%s): clients missing an event or not connected: %d\n", clients, 1000 / frequency, m, (m > 1 ? "s" : ""), incomplete[key]
        fanout = ""
        if (b[1] != "") fanout = median(b, m)
        if (clients == 10000 && frequency == 1000) { row("  in-service fan-out p99 (streaming.fanout.duration)", fanout, " ms", 40, "<=")
                                 row("  client p99 (load tool)", median(a, m), " ms", 80, "<=")
                                 row("  RSS per connection", median(c, m), " KB", 12, "<=") }
        else if (clients == 10000 && frequency == 50) { row("  client p99 (load tool)", median(a, m), " ms", 250, "<=")
                                    row("  streaming CPU (% of one core)", median(d, m), "%", 150, "<=") }
        else { printf "  client p99 (load tool, highest of the load processes) %.1f ms; in-service fan-out p99 %s ms; RSS per connection %.1f KB (recorded, no target)\n",
                   (partp99[key] > median(a, m) ? partp99[key] : median(a, m)), fanout, median(c, m) } }
    END {
        print "Gateway (median of rounds)"
        row("  share of the bare-Kestrel ceiling", gw_ratio, "%", 45, ">=")
        row("  p99 against bare+grpc p99", gw_p99, "x", 1, "<=")
        row("  bytes allocated per request", gw_bytes, " B", 4096, "<=")
        if (gw_gcs[2] != "") printf "  GCs gen0/gen1/gen2 during 8 s of wrk (11 s window): %s/%s/%s (the issue: 50+ gen1 GCs per 8 s, to be fixed)\n", gw_gcs[1], gw_gcs[2], gw_gcs[3]
        sse("10000@1000", 10000, 1000); sse("10000@50", 10000, 50); sse("19000@1000", 19000, 1000)
        if (churn_cycles != "") { print "Churn"; printf "  %d/%d cycles ok, clients afterwards %d (target 0)\n", churn_ok, churn_cycles, churn_clients
            row("  RSS growth after a full GC", churn_gc, "%", 5, "<=") } }'
