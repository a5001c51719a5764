using System.Diagnostics;
using System.Net;
using RandomDemo.LoadTool.Cli;
using RandomDemo.LoadTool.Measurement;
using RandomDemo.LoadTool.Sse;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// Connection churn on /stream: many cycles of connect, read (the retry line or the first data
/// event), hang up, in parallel. Afterwards the server must count 0 clients and its RSS must be
/// back near where it started (after a warm-up, so that JIT and pools are not counted as growth).
/// </summary>
internal static class ChurnCommand
{
    public static readonly string[] Flags = ["url", "cycles", "parallel", "until", "warmup", "server-pid", "max-seconds", "cycle-timeout", "settle"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var url = commandLine.LoopbackUrl("url");
        var cycles = commandLine.Int("cycles", 100_000, 1, 10_000_000);
        var parallel = commandLine.Int("parallel", 64, 1, 2000);
        var until = commandLine.Choice("until", "data", "data", "retry") == "data" ? StopAfter.FirstEvent : StopAfter.Retry;
        var warmup = commandLine.Int("warmup", 1000, 0, 1_000_000);
        var serverPid = commandLine.ProcessId("server-pid");
        var maxTime = TimeSpan.FromSeconds(commandLine.Int("max-seconds", 600, 1, 3600));
        var cycleTimeout = TimeSpan.FromSeconds(commandLine.Int("cycle-timeout", 10, 1, 120));
        var settle = TimeSpan.FromSeconds(commandLine.Int("settle", 10, 0, 300));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var endpoint = (await StreamTarget.ResolveAsync(url, cancellation)).Server;
        var request = EventStream.Request(url);
        Console.WriteLine($"churn: {cycles} cycles, {parallel} in parallel, until {until} (load average {ProcessSample.LoadAverage()})");

        if (warmup > 0)
        {
            var warm = await RunCyclesAsync(endpoint, request, warmup, parallel, until, cycleTimeout, maxTime, cancellation);
            Console.WriteLine($"warm-up: {warm.Succeeded}/{warmup} cycles in {warm.Elapsed.TotalSeconds:F1} s");
            await StreamingMetrics.WaitForClientsAsync(http, url, 0, TimeSpan.FromSeconds(30), cancellation);
            await Task.Delay(settle, cancellation);
        }

        ProcessSample? serverStart = serverPid is { } pid ? ProcessSample.Take(pid) : null;
        var (heapStart, rssStartAfterGc) = await AfterFullGcAsync(serverPid);
        var metricsStart = await StreamingMetrics.GetAsync(http, url, cancellation);
        using var peak = serverPid is { } peakPid ? new PeakRss(peakPid) : null;
        var run = await RunCyclesAsync(endpoint, request, cycles, parallel, until, cycleTimeout, maxTime, cancellation);
        ProcessSample? serverAfterRun = serverPid is { } pid2 ? ProcessSample.Take(pid2) : null;
        var metricsAfter = await StreamingMetrics.WaitForClientsAsync(http, url, 0, TimeSpan.FromSeconds(30), cancellation);
        await Task.Delay(settle, cancellation);
        ProcessSample? serverEnd = serverPid is { } pid3 ? ProcessSample.Take(pid3) : null;
        var (heapEnd, rssEndAfterGc) = await AfterFullGcAsync(serverPid);
        var metricsEnd = await StreamingMetrics.GetAsync(http, url, cancellation);

        Console.WriteLine($"cycles: {run.Succeeded} ok, {run.Failed} failed, {cycles - run.Succeeded - run.Failed} not run, in {run.Elapsed.TotalSeconds:F1} s "
            + $"({run.Succeeded / run.Elapsed.TotalSeconds:F0} cycles/s)" + (run.FirstFailure is { } failure ? $"; first failure: {failure}" : ""));
        Console.WriteLine($"cycle time (connect to {(until == StopAfter.FirstEvent ? "first event" : "retry line")}): {run.CycleTime.Summary()}");
        Console.WriteLine($"server clients after: {metricsAfter.Clients} (then {metricsEnd.Clients} after {settle.TotalSeconds:F0} s); "
            + $"server drops during run {metricsEnd.ClientsDropped - metricsStart.ClientsDropped}; load average {ProcessSample.LoadAverage()}");

        var resources = "";
        var rssHeld = true;
        if (serverStart is { } s && serverAfterRun is { } r && serverEnd is { } e && peak is not null)
        {
            var growth = 100.0 * (e.RssKb - s.RssKb) / s.RssKb;
            rssHeld = growth <= 10;
            Console.WriteLine($"server rss: {s.RssKb / 1024.0:F1} MB at start, {peak.MaxKb / 1024.0:F1} MB peak, {r.RssKb / 1024.0:F1} MB right after, "
                + $"{e.RssKb / 1024.0:F1} MB after {settle.TotalSeconds:F0} s idle: {growth:+0.0;-0.0}% ; server cpu {ProcessSample.CpuPercent(s, r):F0}% of one core during the run");
            resources = $" rss_start_kb={s.RssKb} rss_peak_kb={peak.MaxKb} rss_end_kb={e.RssKb} rss_growth_pct={growth:F1}";
            if (heapStart is { } hs && heapEnd is { } he)
            {
                Console.WriteLine($"after an induced full GC (EventPipe GCHeapCollect): managed heap {hs / 1048576.0:F1} MB at start, {he / 1048576.0:F1} MB at the end; "
                    + $"RSS {rssStartAfterGc / 1024.0:F1} MB at start, {rssEndAfterGc / 1024.0:F1} MB at the end ({100.0 * (rssEndAfterGc - rssStartAfterGc) / rssStartAfterGc:+0.0;-0.0}%)");
                resources += $" heap_start_kb={hs / 1024} heap_end_kb={he / 1024} rss_start_gc_kb={rssStartAfterGc} rss_end_gc_kb={rssEndAfterGc}"
                    + $" rss_gc_growth_pct={100.0 * (rssEndAfterGc - rssStartAfterGc) / rssStartAfterGc:F1}";
            }
        }

        Console.WriteLine($"RESULT churn cycles={cycles} ok={run.Succeeded} failed={run.Failed} seconds={run.Elapsed.TotalSeconds:F1} "
            + $"rate={run.Succeeded / run.Elapsed.TotalSeconds:F0} clients_after={metricsEnd.Clients}{resources}");
        return run.Succeeded == cycles && metricsEnd.Clients == 0 && rssHeld ? 0 : 1;
    }

    /// <summary>The managed heap and the RSS right after an induced full GC (nulls and 0 without a server pid).</summary>
    private static async Task<(long? Heap, long RssKb)> AfterFullGcAsync(int? pid)
    {
        if (pid is not { } serverPid)
        {
            return (null, 0);
        }

        var heap = await FullGc.CollectAsync(serverPid, TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(1));
        return (heap, ProcessSample.Take(serverPid).RssKb);
    }

    private sealed record CycleRun(long Succeeded, long Failed, TimeSpan Elapsed, LatencyHistogram CycleTime, string? FirstFailure);

    private static async Task<CycleRun> RunCyclesAsync(
        EndPoint endpoint, byte[] request, int cycles, int parallel, StopAfter until, TimeSpan cycleTimeout, TimeSpan maxTime, CancellationToken cancellation)
    {
        long next = 0, succeeded = 0, failed = 0;
        string? firstFailure = null;
        var cycleTime = new LatencyHistogram();
        var clock = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref next) <= cycles && clock.Elapsed < maxTime)
            {
                var connection = new SseConnection(null, until);
                var started = Stopwatch.GetTimestamp();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(cycleTimeout);
                await connection.RunAsync(endpoint, request, timeout.Token);
                cancellation.ThrowIfCancellationRequested();

                var done = until == StopAfter.FirstEvent ? connection.Order.Events > 0 : connection.Ready.IsCompletedSuccessfully;
                if (done)
                {
                    Interlocked.Increment(ref succeeded);
                    cycleTime.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstFailure, connection.Failure ?? "timed out", null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(WorkerAsync, CancellationToken.None)));
        return new CycleRun(succeeded, failed, clock.Elapsed, cycleTime, firstFailure);
    }

    /// <summary>Samples a process's RSS every 500 ms in the background and keeps the maximum.</summary>
    private sealed class PeakRss : IDisposable
    {
        private readonly Timer _timer;
        private long _maxKb;

        public PeakRss(int pid) => _timer = new Timer(_ => Sample(pid), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));

        public long MaxKb => Interlocked.Read(ref _maxKb);

        public void Dispose() => _timer.Dispose();

        private void Sample(int pid)
        {
            try
            {
                var rss = ProcessSample.Take(pid).RssKb;
                if (rss > Interlocked.Read(ref _maxKb))
                {
                    Interlocked.Exchange(ref _maxKb, rss);
                }
            }
            catch (IOException)
            {
                // The server is gone; the run will say so.
            }
        }
    }
}
