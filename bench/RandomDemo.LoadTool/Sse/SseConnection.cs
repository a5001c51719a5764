using System.Net;
using System.Text;
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
    private bool _stop;

    public int StatusCode { get; private set; }

    public long FirstId { get; private set; }

    public long LastId { get; private set; }

    public long Events { get; private set; }

    public long MissingIds { get; private set; }

    public long OutOfOrder { get; private set; }

    public long SequenceMismatches { get; private set; }

    public long Notices { get; private set; }

    public long KeepAlives { get; private set; }

    /// <summary>The server ended the stream (EOF or last chunk) while the client still wanted it.</summary>
    public bool EndedByServer { get; private set; }

    public string? Failure { get; private set; }

    /// <summary>Completes once the response is 200 and the retry line arrived (the client is subscribed).</summary>
    public Task Ready => _ready.Task;

    public static byte[] Request(Uri url) => Encoding.ASCII.GetBytes(
        $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n");

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public async Task RunAsync(EndPoint server, ReadOnlyMemory<byte> request, CancellationToken cancellation)
    {
        var end = await EventStreamSocket.ReadAsync(server, request, this, () => _stop, cancellation);
        EndedByServer = end.EndedByServer;
        Failure = end.Failure ?? Failure;
        _ready.TrySetException(new IOException(Failure ?? (StatusCode is 0 or 200 ? "stream ended before it was ready" : $"HTTP {StatusCode}")));
    }

    public void OnStatus(int statusCode)
    {
        StatusCode = statusCode;
        if (statusCode != 200)
        {
            Failure = $"HTTP {statusCode}";
            _stop = true;
        }
    }

    public void OnRetry()
    {
        _ready.TrySetResult();
        _stop |= stopAfter == StopAfter.Retry;
    }

    public void OnComment() => KeepAlives++;

    public void OnEvent(EventKind kind, long id, long timestamp, long sequence, long receivedMicros)
    {
        if (kind != EventKind.Data)
        {
            Notices++;
            return;
        }

        if (Events == 0)
        {
            FirstId = id;
        }
        else if (id <= LastId)
        {
            OutOfOrder++;
        }
        else if (id != LastId + 1)
        {
            MissingIds += id - LastId - 1;
        }

        LastId = Math.Max(LastId, id);
        Events++;
        SequenceMismatches += sequence == id ? 0 : 1;
        if (window is not null && id > window.FromId && id <= window.ToId)
        {
            window.Latency.Record(receivedMicros - (timestamp * 1000));
        }

        _stop |= stopAfter == StopAfter.FirstEvent;
    }
}
