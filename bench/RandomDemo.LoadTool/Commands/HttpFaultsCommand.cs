using System.Diagnostics;
using System.Net;
using RandomDemo.LoadTool.Cli;
using RandomDemo.LoadTool.Measurement;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// Closed-loop GETs on the gateway from N concurrent connections while something else kills and
/// restarts the generator: every answer classified (200; 503/504 as problem+json; anything else),
/// hangs counted (no answer within the call deadline plus a grace), and for each generator outage
/// (seen by <see cref="GeneratorProbe"/>) how long after it answered again the first 200 came, and the
/// last failure of a request sent after that.
/// </summary>
internal static class HttpFaultsCommand
{
    public static readonly string[] Flags = ["url", "generator", "concurrency", "duration", "deadline-ms"];

    private const string ProblemJson = "application/problem+json";

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var url = commandLine.LoopbackUrl("url");
        var generator = commandLine.LoopbackUrl("generator");
        var concurrency = commandLine.Int("concurrency", 64, 1, 1000);
        var duration = TimeSpan.FromSeconds(commandLine.Int("duration", 40, 1, 3600));
        // The gateway's Gateway:CallDeadline; an answer later than this plus 3 s is a hang.
        var hangAfter = TimeSpan.FromMilliseconds(commandLine.Int("deadline-ms", 2000, 1, 600_000)) + TimeSpan.FromSeconds(3);

        var clock = Stopwatch.StartNew();
        var probe = new GeneratorProbe(generator, clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var probing = probe.RunAsync(stop.Token);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            Timeout = hangAfter,
        };
        var answers = new List<Answer>[concurrency];
        var latency = new LatencyHistogram();
        Console.WriteLine($"http-faults: {concurrency} connections on {url} for {duration.TotalSeconds:F0} s; generator probed at {generator}");
        stop.CancelAfter(duration);

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = answers[worker] = [];
            while (!stop.IsCancellationRequested)
            {
                var started = clock.Elapsed;
                var kind = await RequestAsync(http, url);
                var finished = clock.Elapsed;
                latency.Record((long)(finished - started).TotalMicroseconds);
                mine.Add(new Answer(kind, started, finished));
            }
        }, CancellationToken.None)));
        await probing;

        var all = answers.SelectMany(a => a).OrderBy(a => a.At).ToList();
        var counts = Enum.GetValues<AnswerKind>().ToDictionary(kind => kind, kind => all.Count(a => a.Kind == kind));
        Console.WriteLine($"answers: {all.Count} in {duration.TotalSeconds:F0} s: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        Console.WriteLine($"latency: {latency.Summary()}");

        var recoveries = new List<(double FirstOkMs, double LastFailureMs)>();
        foreach (var (outage, number) in probe.Outages.Select((o, i) => (o, i + 1)))
        {
            if (outage.UpAt is not { } up)
            {
                Console.WriteLine($"outage {number}: down at {outage.DownAt.TotalSeconds:F2} s, not up again before the end");
                continue;
            }

            var failuresDuring = all.Count(a => a.At >= outage.DownAt && a.At < up && a.Kind != AnswerKind.Ok);
            if (failuresDuring == 0)
            {
                // The probe timed out on a busy machine while every request was answered: no outage a client saw.
                Console.WriteLine($"outage {number}: probe silent {outage.DownAt.TotalSeconds:F2} s .. {up.TotalSeconds:F2} s, but no request failed: not counted");
                continue;
            }

            var firstOk = all.FirstOrDefault(a => a.At >= up && a.Kind == AnswerKind.Ok);
            var nextDown = probe.Outages.Select(o => o.DownAt).Where(d => d > up).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            // A failure counts against the recovery only if it was asked after the generator was up again.
            var lastFailure = all.LastOrDefault(a => a.SentAt >= up && a.At < nextDown && a.Kind != AnswerKind.Ok);
            var firstOkMs = firstOk is null ? double.NaN : (firstOk.At - up).TotalMilliseconds;
            var lastFailureMs = lastFailure is null ? 0 : (lastFailure.At - up).TotalMilliseconds;
            var failedAfterUp = all.Count(a => a.SentAt >= up && a.At < nextDown && a.Kind != AnswerKind.Ok);
            recoveries.Add((firstOkMs, lastFailureMs));
            Console.WriteLine($"outage {number}: down {outage.DownAt.TotalSeconds:F2} s .. up {up.TotalSeconds:F2} s ({(up - outage.DownAt).TotalSeconds:F2} s); "
                + $"failures during it {failuresDuring}; first 200 {firstOkMs:F0} ms after up, {failedAfterUp} requests sent after up failed, the last {lastFailureMs:F0} ms after up");
        }

        var worstFirstOk = recoveries.Count == 0 ? double.NaN : recoveries.Max(r => r.FirstOkMs);
        var worstLastFailure = recoveries.Count == 0 ? double.NaN : recoveries.Max(r => r.LastFailureMs);
        Console.WriteLine($"RESULT http-faults requests={all.Count} ok={counts[AnswerKind.Ok]} unavailable_503={counts[AnswerKind.Unavailable]} timeout_504={counts[AnswerKind.Timeout]} "
            + $"other={counts[AnswerKind.Other]} hangs={counts[AnswerKind.Hang]} refused={counts[AnswerKind.ConnectionError]} outages={recoveries.Count} "
            + $"worst_first_200_after_up_ms={worstFirstOk:F0} worst_last_failure_after_up_ms={worstLastFailure:F0} max_latency_ms={latency.MaxMs:F0}");
        var clean = counts[AnswerKind.Other] == 0 && counts[AnswerKind.Hang] == 0 && counts[AnswerKind.ConnectionError] == 0;
        return clean ? 0 : 1;
    }

    private static async Task<AnswerKind> RequestAsync(HttpClient http, Uri url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            await response.Content.LoadIntoBufferAsync();
            var problem = response.Content.Headers.ContentType?.MediaType == ProblemJson;
            return response.StatusCode switch
            {
                HttpStatusCode.OK => AnswerKind.Ok,
                HttpStatusCode.ServiceUnavailable when problem => AnswerKind.Unavailable,
                HttpStatusCode.GatewayTimeout when problem => AnswerKind.Timeout,
                _ => AnswerKind.Other,
            };
        }
        catch (TaskCanceledException)
        {
            return AnswerKind.Hang;
        }
        catch (HttpRequestException)
        {
            return AnswerKind.ConnectionError;
        }
    }

    private enum AnswerKind
    {
        Ok,
        Unavailable,
        Timeout,
        Other,
        Hang,
        ConnectionError,
    }

    /// <summary>One answer: its kind, when the request was sent and when the answer (or the hang) came.</summary>
    private sealed record Answer(AnswerKind Kind, TimeSpan SentAt, TimeSpan At);
}
