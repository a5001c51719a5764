using System.Diagnostics;
using System.Globalization;
using RandomDemo.LoadTool.Measurement;

namespace RandomDemo.LoadTool.Sse;

/// <summary>
/// The newest event id any client has received: when it first arrived (the run's clock and the wall
/// clock) and the generator's timestamp it carries.
/// </summary>
internal sealed class EventArrivals(Stopwatch clock)
{
    private readonly List<Arrival> _arrivals = [];
    private long _newest = long.MinValue;

    public Stopwatch Clock => clock;

    public void Record(long id, long timestampMs, long receivedMicros)
    {
        if (id <= Volatile.Read(ref _newest))
        {
            return;
        }

        lock (_arrivals)
        {
            if (id > _newest)
            {
                _newest = id;
                _arrivals.Add(new Arrival(id, clock.Elapsed, receivedMicros / 1000, timestampMs));
            }
        }
    }

    /// <summary>When the first event newer than any before <paramref name="after"/> arrived; null if none did.</summary>
    public TimeSpan? FirstAfter(TimeSpan after)
    {
        lock (_arrivals)
        {
            foreach (var arrival in _arrivals)
            {
                if (arrival.At >= after)
                {
                    return arrival.At;
                }
            }

            return null;
        }
    }

    /// <summary>Writes one line per new id: <c>id received_unix_ms timestamp_ms</c>.</summary>
    public async Task WriteAsync(string path)
    {
        string[] lines;
        lock (_arrivals)
        {
            lines = [.. _arrivals.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Id} {a.ReceivedUnixMs} {a.TimestampMs}"))];
        }

        await File.WriteAllLinesAsync(path, lines);
    }

    private readonly record struct Arrival(long Id, TimeSpan At, long ReceivedUnixMs, long TimestampMs);
}

/// <summary>
/// One SSE client on a raw socket that behaves like a browser's EventSource: when its stream ends
/// or cannot be opened it tries again after a delay, sending Last-Event-ID. It checks what a client
/// must see across reconnects (<see cref="EventOrder"/>). With several targets (replicas sharing one
/// event log) it moves to the next one whenever a stream is lost or refused, as a client behind a
/// load balancer would.
/// </summary>
internal sealed class ResumingSseClient(EventArrivals arrivals, LatencyHistogram resumes, TimeSpan reconnectDelay) : IEventStreamSink
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan? _lostAt;

    public EventOrder Order { get; } = new();

    /// <summary>Streams opened (200 and the retry line).</summary>
    public int Streams { get; private set; }

    /// <summary>Streams that ended while the run still wanted them.</summary>
    public int Disconnects { get; private set; }

    /// <summary>Attempts refused (connection refused, non-200).</summary>
    public int FailedAttempts { get; private set; }

    public string? LastFailure { get; private set; }

    /// <summary>Completes when the first stream is open (the retry line arrived).</summary>
    public Task Ready => _ready.Task;

    public async Task RunAsync(IReadOnlyList<StreamTarget> targets, CancellationToken cancellation)
    {
        for (var attempt = 0; !cancellation.IsCancellationRequested; attempt++)
        {
            var target = targets[attempt % targets.Count];
            var streamsBefore = Streams;
            var end = await EventStream.ReadAsync(target.Server, EventStream.Request(target.Url, Order.LastId), this, cancellation);
            LastFailure = end.Failure ?? LastFailure;
            if (cancellation.IsCancellationRequested)
            {
                break;
            }

            _lostAt ??= arrivals.Clock.Elapsed;
            if (Streams > streamsBefore)
            {
                Disconnects++;
            }
            else
            {
                FailedAttempts++;
            }

            try
            {
                await Task.Delay(reconnectDelay, cancellation);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public bool OnStatus(int statusCode)
    {
        if (statusCode != 200)
        {
            LastFailure = $"HTTP {statusCode}";
        }

        return statusCode == 200;
    }

    public bool OnSubscribed()
    {
        Streams++;
        _ready.TrySetResult();
        return true;
    }

    public bool OnEvent(in StreamEvent received)
    {
        if (!Order.Take(received))
        {
            return true;
        }

        arrivals.Record(received.Id, received.Timestamp, received.ReceivedMicros);
        if (_lostAt is { } lost)
        {
            // From a lost stream to the next event, as this client lived it (shared by all clients).
            resumes.Record((long)(arrivals.Clock.Elapsed - lost).TotalMicroseconds);
            _lostAt = null;
        }

        return true;
    }
}
