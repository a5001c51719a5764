using System.Net;
using RandomDemo.LoadTool.Measurement;

namespace RandomDemo.LoadTool.Sse;

/// <summary>When a connection has read enough and hangs up on its own.</summary>
internal enum StopAfter
{
    /// <summary>Read until cancelled or the server ends the stream.</summary>
    Never,

    /// <summary>Hang up once the <c>retry:</c> line arrived (connect and subscribe only).</summary>
    Retry,

    /// <summary>Hang up after the first data event.</summary>
    FirstEvent,
}

/// <summary>
/// The measurement window shared by all connections of a fan-out run: latencies are recorded for
/// data events with <see cref="FromId"/> &lt; id ≤ <see cref="ToId"/>.
/// </summary>
internal sealed class DeliveryWindow
{
    private long _fromId = long.MaxValue;
    private long _toId = long.MaxValue;

    public LatencyHistogram Latency { get; } = new();

    public long FromId
    {
        get => Volatile.Read(ref _fromId);
        set => Volatile.Write(ref _fromId, value);
    }

    public long ToId
    {
        get => Volatile.Read(ref _toId);
        set => Volatile.Write(ref _toId, value);
    }
}

/// <summary>
/// One SSE client on a raw socket (HTTP/1.1, chunked, as a browser's EventSource gets it), tracking
/// what a client must see: every event id once, in order, and how late each one arrived.
/// </summary>
internal sealed class SseConnection(DeliveryWindow? window, StopAfter stopAfter) : IEventStreamSink
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int StatusCode { get; private set; }

    public EventOrder Order { get; } = new();

    public long SequenceMismatches { get; private set; }

    /// <summary>The server ended the stream (EOF or last chunk) while the client still wanted it.</summary>
    public bool EndedByServer { get; private set; }

    public string? Failure { get; private set; }

    /// <summary>Completes once the response is 200 and the retry line arrived (the client is subscribed).</summary>
    public Task Ready => _ready.Task;

    public async Task RunAsync(EndPoint server, ReadOnlyMemory<byte> request, CancellationToken cancellation)
    {
        var end = await EventStream.ReadAsync(server, request, this, cancellation);
        EndedByServer = end.EndedByServer;
        Failure = end.Failure ?? Failure;
        _ready.TrySetException(new IOException(Failure ?? (StatusCode is 0 or 200 ? "stream ended before it was ready" : $"HTTP {StatusCode}")));
    }

    public bool OnStatus(int statusCode)
    {
        StatusCode = statusCode;
        if (statusCode != 200)
        {
            Failure = $"HTTP {statusCode}";
        }

        return statusCode == 200;
    }

    public bool OnSubscribed()
    {
        _ready.TrySetResult();
        return stopAfter != StopAfter.Retry;
    }

    public bool OnEvent(in StreamEvent received)
    {
        Order.Take(received);
        if (received.Kind != EventKind.Data)
        {
            return true;
        }

        SequenceMismatches += received.Sequence == received.Id ? 0 : 1;
        if (window is not null && received.Id > window.FromId && received.Id <= window.ToId)
        {
            window.Latency.Record(received.ReceivedMicros - (received.Timestamp * 1000));
        }

        return stopAfter != StopAfter.FirstEvent;
    }
}
