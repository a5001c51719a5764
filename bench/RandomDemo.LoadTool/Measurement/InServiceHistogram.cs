using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace RandomDemo.LoadTool.Measurement;

/// <summary>
/// Reads one histogram of a running .NET process over EventPipe, as dotnet-counters does: the
/// runtime's System.Diagnostics.Metrics event source aggregates the recordings of each interval
/// (1 s here) and publishes their count and quantiles. The runtime's first publication comes only
/// after two intervals, so start this well before the window and ask for the window's intervals.
/// </summary>
internal sealed class InServiceHistogram : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _processing;
    private readonly ConcurrentQueue<Published> _published = new();

    private InServiceHistogram(int pid, string meter, string instrument)
    {
        var sessionId = Guid.NewGuid().ToString();
        var arguments = new Dictionary<string, string>
        {
            ["SessionId"] = sessionId,
            ["Metrics"] = $"{meter}\\{instrument}",
            ["RefreshInterval"] = Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["MaxTimeSeries"] = "100",
            ["MaxHistograms"] = "10",
        };

        // Keyword 0x2: the published time series values.
        _session = new DiagnosticsClient(pid).StartEventPipeSession(
            [new EventPipeProvider("System.Diagnostics.Metrics", EventLevel.Informational, 0x2, arguments)], requestRundown: false);
        _source = new EventPipeEventSource(_session.EventStream);
        _source.Dynamic.All += data =>
        {
            if (data.EventName == "HistogramValuePublished" && (string)data.PayloadByName("sessionId") == sessionId
                && (string)data.PayloadByName("instrumentName") == instrument)
            {
                var quantiles = ((string)data.PayloadByName("quantiles")).Split(';').Select(part => part.Split('=')).Where(pair => pair.Length == 2)
                    .ToDictionary(pair => double.Parse(pair[0], CultureInfo.InvariantCulture), pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
                _published.Enqueue(new Published(data.TimeStamp.ToUniversalTime(), Convert.ToInt32(data.PayloadByName("count"), CultureInfo.InvariantCulture), quantiles));
            }
        };
        _processing = Task.Run(_source.Process);
    }

    /// <summary>Starts receiving the instrument's per-second aggregates, from now.</summary>
    public static InServiceHistogram Start(int pid, string meter, string instrument) => new(pid, meter, instrument);

    /// <summary>
    /// The recordings of the intervals that ended within (<paramref name="from"/> + 1 s,
    /// <paramref name="to"/> + 1 s]: their count, the median of the per-second medians and the
    /// highest per-second p99 (a p99 of the whole window cannot be rebuilt from per-second
    /// quantiles; the highest is the conservative figure). Null when nothing was recorded.
    /// </summary>
    public async Task<Summary?> WindowAsync(DateTime from, DateTime to)
    {
        // The interval that ends one second after the window is the last one it covers.
        while (DateTime.UtcNow < to + Interval + Interval)
        {
            await Task.Delay(200);
        }

        var intervals = _published.Where(p => p.At > from + Interval && p.At <= to + Interval + Interval && p.Count > 0).ToArray();
        if (intervals.Length == 0)
        {
            return null;
        }

        var medians = intervals.Select(p => p.Quantiles.GetValueOrDefault(0.5)).Order().ToArray();
        return new Summary(intervals.Sum(p => p.Count), medians[medians.Length / 2], intervals.Max(p => p.Quantiles.GetValueOrDefault(0.99)));
    }

    public async ValueTask DisposeAsync()
    {
        await _session.StopAsync(CancellationToken.None);
        await _processing.WaitAsync(TimeSpan.FromSeconds(30));
        _source.Dispose();
        _session.Dispose();
    }

    internal sealed record Summary(int Count, double Median, double HighestP99);

    private sealed record Published(DateTime At, int Count, Dictionary<double, double> Quantiles);
}
