using System.Diagnostics;
using RandomDemo.LoadTool.Cli;
using RandomDemo.LoadTool.Measurement;
using RandomDemo.LoadTool.Sse;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// Holds N SSE clients on /stream, then watches a window of events: did every client get every
/// event of the window, once and in order; how late (payload timestamp against receive time); and
/// what the server paid in RSS per connection and CPU.
/// </summary>
internal static class SseFanOutCommand
{
    public static readonly string[] Flags = ["url", "clients", "total-clients", "duration", "server-pid", "connect-parallel", "settle", "grace", "connect-timeout"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var url = commandLine.LoopbackUrl("url");
        // Each client is one socket; 20000 open files per process leaves room for the rest.
        var clients = commandLine.Int("clients", null, 1, 19_000);

        // With the load split over processes (open files are capped per process): all of them together.
        var totalClients = commandLine.Int("total-clients", clients, clients, 100_000);
        var duration = TimeSpan.FromSeconds(commandLine.Int("duration", 10, 1, 600));
        var serverPid = commandLine.ProcessId("server-pid");
        var connectParallel = commandLine.Int("connect-parallel", 200, 1, 2000);
        var settle = TimeSpan.FromSeconds(commandLine.Int("settle", 3, 0, 120));
        var grace = TimeSpan.FromSeconds(commandLine.Int("grace", 5, 1, 120));
        var connectTimeout = TimeSpan.FromSeconds(commandLine.Int("connect-timeout", 120, 1, 900));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var endpoint = (await StreamTarget.ResolveAsync(url, cancellation)).Server;
        var request = EventStream.Request(url);
        var window = new DeliveryWindow();
        var connections = Enumerable.Range(0, clients).Select(_ => new SseConnection(window, StopAfter.Never)).ToArray();
        var runs = new Task[clients];
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(cancellation);

        Console.WriteLine($"sse: {clients} clients on {url} (load average {ProcessSample.LoadAverage()})");
        var selfBefore = ProcessSample.Self();
        ProcessSample? serverBefore = serverPid is { } pid ? ProcessSample.Take(pid) : null;
        var heapBefore = serverPid is { } gcPid ? await FullGc.CollectAsync(gcPid, TimeSpan.FromSeconds(15)) : null;

        // Connect in waves of connect-parallel, each waiting until its client is subscribed, so that
        // the server's accept backlog never overflows (an overflow costs a 1 s SYN retry, not a server fault).
        var connecting = Stopwatch.StartNew();
        var failedToConnect = 0;
        using (var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            connectDeadline.CancelAfter(connectTimeout);
            await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = connectParallel, CancellationToken = cancellation }, async (i, _) =>
            {
                runs[i] = Task.Run(() => connections[i].RunAsync(endpoint, request, hangUp.Token), CancellationToken.None);
                try
                {
                    await connections[i].Ready.WaitAsync(connectDeadline.Token);
                }
                catch (Exception error) when (error is IOException or OperationCanceledException && !cancellation.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failedToConnect);
                }
            });
        }

        var connected = clients - failedToConnect;
        Console.WriteLine($"connected: {connected}/{clients} in {connecting.Elapsed.TotalSeconds:F1} s" + FirstFailure(connections));
        var beforeWindow = await StreamingMetrics.WaitForClientsAsync(http, url, connected + totalClients - clients, TimeSpan.FromSeconds(120), cancellation);

        // The service's own measure of the window: publish until the last client flushed (started early: see InServiceHistogram).
        await using var fanOut = serverPid is { } pid5 ? InServiceHistogram.Start(pid5, "RandomDemo.Streaming", "streaming.fanout.duration") : null;
        await Task.Delay(settle, cancellation);
        ProcessSample? serverWithClients = serverPid is { } pid2 ? ProcessSample.Take(pid2) : null;

        // The window: every client is subscribed, so each must receive every id after FromId.
        var start = await StreamingMetrics.GetAsync(http, url, cancellation);
        window.FromId = start.LastEventId;
        var selfStart = ProcessSample.Self();
        ProcessSample? serverStart = serverPid is { } pid3 ? ProcessSample.Take(pid3) : null;
        var windowStart = DateTime.UtcNow;
        await Task.Delay(duration, cancellation);
        ProcessSample? serverEnd = serverPid is { } pid4 ? ProcessSample.Take(pid4) : null;
        var selfEnd = ProcessSample.Self();
        var end = await StreamingMetrics.GetAsync(http, url, cancellation);
        var windowEnd = DateTime.UtcNow;
        window.ToId = end.LastEventId;

        // Late events still count (their latency says how late); stop waiting once all have the last one.
        var graceDeadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < graceDeadline && connections.Any(c => c.Ready.IsCompletedSuccessfully && c.Order.LastId < window.ToId && c.Failure is null && !c.EndedByServer))
        {
            await Task.Delay(100, cancellation);
        }

        var after = await StreamingMetrics.GetAsync(http, url, cancellation);
        var fanOutWindow = fanOut is null ? null : await fanOut.WindowAsync(windowStart, windowEnd);

        // After the window, with every client still connected: what live objects hold per connection.
        var heapWithClients = serverPid is { } gcPid2 ? await FullGc.CollectAsync(gcPid2, TimeSpan.FromSeconds(15)) : null;
        var held = connections.Where(c => c.Ready.IsCompletedSuccessfully).ToArray();
        var complete = held.Count(c => c.Order.FirstId <= window.FromId + 1 && c.Order.LastId >= window.ToId
            && c.Order.Missing == 0 && c.Order.Duplicates == 0 && c.Order.Resets == 0 && c.Failure is null && !c.EndedByServer);
        var windowEvents = window.ToId - window.FromId;

        await hangUp.CancelAsync();
        await Task.WhenAll(runs.Where(run => run is not null)).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Console.WriteLine($"window: events {window.FromId + 1}..{window.ToId} ({windowEvents} events in {duration.TotalSeconds:F0} s, {windowEvents / duration.TotalSeconds:F1}/s)");
        Console.WriteLine($"delivery: {complete}/{connected} clients got every window event in order; missing ids {held.Sum(c => c.Order.Missing)}, out of order {held.Sum(c => c.Order.Duplicates)}, "
            + $"sequence!=id {held.Sum(c => c.SequenceMismatches)}, gap/reset notices {held.Sum(c => c.Order.Gaps + c.Order.Resets)}, ended by server {held.Count(c => c.EndedByServer)}, "
            + $"server clients {beforeWindow.Clients} -> {after.Clients}, server drops {after.ClientsDropped - start.ClientsDropped}");
        Console.WriteLine($"latency: {window.Latency.Summary()}");
        var selfKbPerClient = (selfEnd.RssKb - selfBefore.RssKb) / (double)Math.Max(1, connected);
        Console.WriteLine($"loadtool cpu: {ProcessSample.CpuPercent(selfStart, selfEnd):F0}% of one core during the window; rss {selfBefore.RssKb / 1024.0:F1} MB before, "
            + $"{selfEnd.RssKb / 1024.0:F1} MB with {connected} clients: {selfKbPerClient:F1} KB per client; load average {ProcessSample.LoadAverage()}");

        var inService = "";
        if (fanOutWindow is { } f)
        {
            Console.WriteLine($"server fan-out (streaming.fanout.duration, publish until the last client flushed): {f.Count} events, median of per-second p50 {1000 * f.Median:F1} ms, highest per-second p99 {1000 * f.HighestP99:F1} ms");
            inService = $" fanout_events={f.Count} fanout_p50_ms={1000 * f.Median:F1} fanout_p99_ms={1000 * f.HighestP99:F1}";
        }

        var resources = "";
        if (serverBefore is { } b && serverWithClients is { } w && serverStart is { } s && serverEnd is { } e)
        {
            var serverClients = beforeWindow.Clients;
            var perConnectionKb = (w.RssKb - b.RssKb) / (double)Math.Max(1, serverClients);
            Console.WriteLine($"server rss: {b.RssKb / 1024.0:F1} MB before, {w.RssKb / 1024.0:F1} MB with {serverClients} clients: {perConnectionKb:F1} KB per connection");
            Console.WriteLine($"server cpu: {ProcessSample.CpuPercent(s, e):F0}% of one core during the window");
            resources = $" rss_before_kb={b.RssKb} rss_clients_kb={w.RssKb} kb_per_conn={perConnectionKb:F1} server_cpu_pct={ProcessSample.CpuPercent(s, e):F0}";
            if (heapBefore is { } hb && heapWithClients is { } hw)
            {
                var heapPerConnectionKb = (hw - hb) / 1024.0 / Math.Max(1, serverClients);
                Console.WriteLine($"server managed heap after an induced full GC: {hb / 1048576.0:F1} MB before, {hw / 1048576.0:F1} MB with {serverClients} clients: {heapPerConnectionKb:F1} KB per connection");
                resources += $" heap_kb_per_conn={heapPerConnectionKb:F1}";
            }
        }

        Console.WriteLine($"RESULT sse clients={clients} connected={connected} server_clients={beforeWindow.Clients} complete={complete} events={windowEvents} "
            + $"p50_ms={window.Latency.PercentileMs(0.5):F1} p99_ms={window.Latency.PercentileMs(0.99):F1} max_ms={window.Latency.MaxMs:F1}{inService}{resources} "
            + $"loadtool_cpu_pct={ProcessSample.CpuPercent(selfStart, selfEnd):F0} loadtool_kb_per_client={selfKbPerClient:F1}");
        return complete == clients ? 0 : 1;
    }

    private static string FirstFailure(IEnumerable<SseConnection> connections) =>
        connections.FirstOrDefault(c => c.Failure is not null)?.Failure is { } failure ? $" (first failure: {failure})" : "";
}
