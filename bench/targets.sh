#!/usr/bin/env bash
# The performance targets against the RESULT lines of bench runs (files given, or standard input):
# each figure, its target and the ratio of the figure to the target (<= 1 meets an upper bound,
# >= 1 a lower bound); then ours against the baselines measured in the same run (sse-fanout.sh
# BASELINES="typed floor"). Medians where a scenario ran several rounds.
#   bench/targets.sh RUN-OUTPUT...
set -euo pipefail
cat "$@" | awk '
    function field(line, name,   i, n, kv, parts) { n = split(line, parts, " "); for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] == name) { sub(/%$/, "", kv[2]); sub(/x$/, "", kv[2])
        # A number as a number: sub() leaves a string, and awk compares strings by character.
        return kv[2] ~ /^-?[0-9]+(\.[0-9]+)?$/ ? kv[2] + 0 : kv[2] } } return "" }
    function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function row(what, value, unit, target, kind) {
        if (value == "") { printf "%-62s %12s   target %s %s%s   (not measured)\n", what, "-", kind, target, unit; return }
        printf "%-62s %10.1f%s   target %s %s%s   ratio %.2f  %s\n", what, value, unit, kind, target, unit, value / target,
            (kind == "<=" ? value <= target : value >= target) ? "met" : "MISSED" }
    /^RESULT gateway / { gw_share = field($0, "median_share_of_bare_grpc"); gw_rps = field($0, "median_rps") }
    /^RESULT gateway-alloc/ && /target=gateway / { gw_bytes = field($0, "bytes_per_request") }
    /^RESULT gateway-alloc/ && /target=bare\+grpc / { hop_bytes = field($0, "bytes_per_request") }
    /^RESULT sse frequency_ms=/ {
        side = field($0, "side"); clients = field($0, "server_clients"); if (clients == "") clients = field($0, "clients")
        key = side "@" clients "@" field($0, "frequency_ms")
        n[key]++; p99[key, n[key]] = field($0, "p99_ms"); fan[key, n[key]] = field($0, "fanout_p99_ms"); kb[key, n[key]] = field($0, "kb_per_conn")
        cpu[key, n[key]] = field($0, "server_cpu_pct"); incomplete[key] += field($0, "clients") - field($0, "complete") }
    /^RESULT sse-part / { key = "after@" field($0, "server_clients") "@" field($0, "frequency_ms"); incomplete[key] += field($0, "clients") - field($0, "complete") }
    /^RESULT churn / { churn_gc = field($0, "rss_gc_growth_pct"); churn_clients = field($0, "clients_after"); churn_ok = field($0, "ok"); churn_cycles = field($0, "cycles") }
    # The medians of one side of one case: m_p99, m_fan, m_kb, m_cpu (empty when that side did not run).
    function medians(key,   i, a, b, c, d, m) {
        m_p99 = m_fan = m_kb = m_cpu = ""; m = n[key]; if (m == 0) return 0
        for (i = 1; i <= m; i++) { a[i] = p99[key, i]; b[i] = fan[key, i]; c[i] = kb[key, i]; d[i] = cpu[key, i] }
        m_p99 = median(a, m); m_kb = median(c, m); m_cpu = median(d, m); if (b[1] != "") m_fan = median(b, m); return m }
    # Against typed, ours must be lower; the floor is what no server goes below, so only its ratio is told.
    function versus(what, ours, theirs) { if (ours != "" && theirs != "" && theirs > 0) printf "  %-60s ours %8.1f  %s %8.1f   ratio %.2f  %s\n", what, ours, base, theirs, ours / theirs,
        base == "floor" ? "" : ours < theirs ? "ours lower" : "ours NOT lower" }
    function sse(clients, frequency,   key, runs, o_p99, o_fan, o_kb, o_cpu) {
        key = "after@" clients "@" frequency; runs = medians(key); if (runs == 0) return
        o_p99 = m_p99; o_fan = m_fan; o_kb = m_kb; o_cpu = m_cpu
        printf "SSE %s clients, %s events/s (%d run%s): clients missing an event or not connected: %d\n", clients, 1000 / frequency, runs, (runs > 1 ? "s" : ""), incomplete[key]
        if (clients == 10000 && frequency == 1000) {
            row("  in-service fan-out p99 (streaming.fanout.duration)", o_fan, " ms", 60, "<=")
            row("  client p99 (load tool)", o_p99, " ms", 100, "<=")
            printf "  every event delivered in order: %s\n", incomplete[key] == 0 ? "met" : "MISSED" }
        else printf "  client p99 %.1f ms; in-service fan-out p99 %s ms; RSS per connection %.1f KB; CPU %s%% (recorded, no target)\n", o_p99, o_fan, o_kb, o_cpu
        for (b = 1; b <= 2; b++) { base = (b == 1 ? "typed" : "floor"); if (medians(base "@" clients "@" frequency) == 0) continue
            printf "  against %s (%s; %d clients missing an event):\n", base, base == "typed" ? "TypedResults.ServerSentEvents, a Channel per client" : "plain sockets, one send per client per core", incomplete[base "@" clients "@" frequency]
            versus("client p99 (ms)", o_p99, m_p99); versus("in-service fan-out p99 (ms)", o_fan, m_fan)
            versus("CPU (% of one core)", o_cpu, m_cpu); versus("RSS per connection (KB)", o_kb, m_kb) } }
    END {
        print "Gateway (median of rounds)"
        row("  share of bare Kestrel + the same gRPC call (req/s)", gw_share, "%", 90, ">=")
        if (hop_bytes != "") row("  bytes allocated per request", gw_bytes, " B", hop_bytes + 2048, "<=")
        sse(10000, 1000); sse(10000, 50); sse(19000, 1000)
        if (churn_cycles != "") { print "Churn"; printf "  %d/%d cycles ok, clients afterwards %d (target 0)\n", churn_ok, churn_cycles, churn_clients
            row("  RSS growth after a full GC", churn_gc, "%", 5, "<=") } }'
