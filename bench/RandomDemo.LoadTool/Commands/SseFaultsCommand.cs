using System.Diagnostics;
using RandomDemo.LoadTool.Cli;
using RandomDemo.LoadTool.Measurement;
using RandomDemo.LoadTool.Sse;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// N EventSource-like clients (<see cref="ResumingSseClient"/>) on /stream while something else
/// kills, stops or restarts the generator or the streaming service. Prints "connected: N" once all
/// are subscribed (the cue for the faults), and at the end what the clients saw: disconnects,
/// duplicates, unannounced holes, gap and reset events; with --generator, for each generator outage,
/// how long after it answered again the next event reached a client.
/// </summary>
internal static class SseFaultsCommand
{
    public static readonly string[] Flags = ["url", "clients", "duration", "generator", "reconnect-ms", "connect-parallel", "resets", "disconnects", "failover-url", "arrivals"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var url = commandLine.LoopbackUrl("url");
        var clients = commandLine.Int("clients", null, 1, 19_000);
        var duration = TimeSpan.FromSeconds(commandLine.Int("duration", 30, 1, 3600));
        var reconnectDelay = TimeSpan.FromMilliseconds(commandLine.Int("reconnect-ms", 250, 1, 60_000));
        var connectParallel = commandLine.Int("connect-parallel", 200, 1, 2000);
        // What the scenario expects of every client: reset events each, and whether its stream may end.
        var expectedResets = commandLine.Int("resets", 0, 0, 1000);
        var disconnectsExpected = commandLine.Choice("disconnects", "none", "none", "some") == "some";
        var generator = commandLine.Has("generator") ? commandLine.LoopbackUrl("generator") : null;
        // Another replica of the same event log: a client whose stream is lost or refused tries it next (and back).
        var failoverUrl = commandLine.Has("failover-url") ? commandLine.LoopbackUrl("failover-url") : null;
        var arrivalsFile = commandLine.Has("arrivals") ? commandLine.OutputFile("arrivals") : null;

        var clock = Stopwatch.StartNew();
        var arrivals = new EventArrivals(clock);
        var probe = generator is null ? null : new GeneratorProbe(generator, clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var probing = probe?.RunAsync(stop.Token) ?? Task.CompletedTask;
        List<StreamTarget> targets = [await StreamTarget.ResolveAsync(url, cancellation)];
        if (failoverUrl is not null)
        {
            targets.Add(await StreamTarget.ResolveAsync(failoverUrl, cancellation));
        }

        var resumes = new LatencyHistogram();
        var connections = Enumerable.Range(0, clients).Select(_ => new ResumingSseClient(arrivals, resumes, reconnectDelay)).ToArray();
        var runs = new Task[clients];

        Console.WriteLine($"sse-faults: {clients} clients on {url} (load average {ProcessSample.LoadAverage()})");
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = connectParallel, CancellationToken = cancellation }, async (i, _) =>
        {
            runs[i] = Task.Run(() => connections[i].RunAsync(targets, stop.Token), CancellationToken.None);
            await connections[i].Ready.WaitAsync(TimeSpan.FromSeconds(120), cancellation);
        });
        Console.WriteLine($"connected: {clients} at {clock.Elapsed.TotalSeconds:F1} s");

        await Task.Delay(duration, cancellation);
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await probing;
        if (arrivalsFile is not null)
        {
            await arrivals.WriteAsync(arrivalsFile);
        }

        var disconnected = connections.Count(c => c.Disconnects > 0);
        var wrongResets = connections.Count(c => c.Order.Resets != expectedResets);
        var duplicates = connections.Sum(c => c.Order.Duplicates);
        var holes = connections.Sum(c => c.Order.Holes);
        Console.WriteLine($"clients: {clients}; disconnected at least once {disconnected}, streams opened {connections.Sum(c => c.Streams)}, refused attempts {connections.Sum(c => c.FailedAttempts)}"
            + (connections.FirstOrDefault(c => c.LastFailure is not null)?.LastFailure is { } failure ? $" (e.g. {failure})" : ""));
        Console.WriteLine($"events: {connections.Sum(c => c.Order.Events)} received; duplicates {duplicates}, unannounced holes {holes}, gap events {connections.Sum(c => c.Order.Gaps)}, "
            + $"reset events {connections.Sum(c => c.Order.Resets)} (clients with other than {expectedResets}: {wrongResets}); last ids {connections.Min(c => c.Order.LastId)}..{connections.Max(c => c.Order.LastId)}");
        if (resumes.Count > 0)
        {
            Console.WriteLine($"resume after a lost stream (per client, lost -> next event): {resumes.Summary()}");
        }

        var resumedAfterOutage = new List<double>();
        foreach (var (outage, number) in (probe?.Outages ?? []).Select((o, i) => (o, i + 1)))
        {
            var firstEvent = outage.UpAt is { } up ? arrivals.FirstAfter(up) : null;
            var afterUpMs = firstEvent is { } at && outage.UpAt is { } u ? (at - u).TotalMilliseconds : double.NaN;
            resumedAfterOutage.Add(afterUpMs);
            Console.WriteLine($"generator outage {number}: down {outage.DownAt.TotalSeconds:F2} s .. up {outage.UpAt?.TotalSeconds.ToString("F2") ?? "never"} s; first event {afterUpMs:F0} ms after up");
        }

        var ok = duplicates == 0 && holes == 0 && wrongResets == 0 && (disconnectsExpected ? disconnected == clients : disconnected == 0)
            && resumedAfterOutage.All(ms => !double.IsNaN(ms));
        Console.WriteLine($"RESULT sse-faults clients={clients} disconnected={disconnected} duplicates={duplicates} holes={holes} gaps={connections.Sum(c => c.Order.Gaps)} "
            + $"resets={connections.Sum(c => c.Order.Resets)} clients_with_unexpected_resets={wrongResets} resume_p99_ms={(resumes.Count > 0 ? resumes.PercentileMs(0.99) : 0):F0} "
            + $"resume_max_ms={resumes.MaxMs:F0} outages={resumedAfterOutage.Count} first_event_after_up_ms={string.Join('/', resumedAfterOutage.Select(ms => ms.ToString("F0")))} verdict={(ok ? "ok" : "FAILED")}");
        return ok ? 0 : 1;
    }
}
