using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace RandomDemo.LoadTool.Measurement;

/// <summary>
/// Reads one histogram of a running .NET process over EventPipe, as dotnet-counters does: the
/// runtime's System.Diagnostics.Metrics event source aggregates the recordings of one interval
/// and publishes their count and quantiles. Started at the beginning of a window with the
/// window's length as the interval, the first publication covers exactly that window.
/// </summary>
internal sealed class InServiceHistogram : IAsyncDisposable
{
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _processing;
    private readonly TaskCompletionSource<Summary> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private InServiceHistogram(int pid, string meter, string instrument, TimeSpan interval)
    {
        var sessionId = Guid.NewGuid().ToString();
        var arguments = new Dictionary<string, string>
        {
            ["SessionId"] = sessionId,
            ["Metrics"] = $"{meter}\\{instrument}",
            ["RefreshInterval"] = interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
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
                _first.TrySetResult(new Summary(Convert.ToInt32(data.PayloadByName("count"), CultureInfo.InvariantCulture), (string)data.PayloadByName("quantiles")));
            }
        };
        _processing = Task.Run(_source.Process);
    }

    /// <summary>Starts aggregating the instrument's recordings for one interval, from now.</summary>
    public static InServiceHistogram Start(int pid, string meter, string instrument, TimeSpan interval) => new(pid, meter, instrument, interval);

    /// <summary>The interval's count and quantiles, or null when none was published in time.</summary>
    public async Task<Summary?> FirstIntervalAsync(TimeSpan timeout)
    {
        try
        {
            return await _first.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _session.StopAsync(CancellationToken.None);
        await _processing.WaitAsync(TimeSpan.FromSeconds(30));
        _source.Dispose();
        _session.Dispose();
    }

    /// <summary>Recordings in the interval and their quantiles as published, e.g. "0.5=0.012;0.95=0.03;0.99=0.035".</summary>
    internal sealed record Summary(int Count, string Quantiles)
    {
        public double? Quantile(double q) => Quantiles.Split(';')
            .Select(part => part.Split('='))
            .Where(pair => pair.Length == 2 && double.Parse(pair[0], CultureInfo.InvariantCulture) == q)
            .Select(pair => (double?)double.Parse(pair[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
    }
}
