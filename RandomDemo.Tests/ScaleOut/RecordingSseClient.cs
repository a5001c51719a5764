using System.Globalization;
using System.Text;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Streaming;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// A /stream client that reads in the background for as long as it is open and records every
/// event (data, gap and reset notices) with its arrival time, and the wire with its keep-alive
/// comments, so that a test can fault replicas or Redis meanwhile and look at the whole stream afterwards.
/// </summary>
public sealed class RecordingSseClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMinutes(5);

    private readonly SseConnection _connection;
    private readonly List<SseEvent> _events = [];
    private readonly Task _reading;
    private volatile Exception? _ended;
    private volatile bool _disposing;

    private RecordingSseClient(SseConnection connection, string name)
    {
        _connection = connection;
        Name = name;
        _reading = Task.Run(ReadAsync);
    }

    public string Name { get; }

    /// <summary>Why the stream ended (the server closed it, a read failed); null while it is open.</summary>
    public Exception? Ended => _ended;

    public static async Task<RecordingSseClient> OpenAsync(Uri stream, string? lastEventId = null) =>
        new(await SseConnection.OpenAsync(stream, lastEventId), $"client of {stream.Authority}");

    /// <summary>Every event received so far, in order.</summary>
    public IReadOnlyList<SseEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<SseEvent> DataEvents => [.. Events.Where(received => received.IsData)];

    /// <summary>The newest data event id received, 0 before the first.</summary>
    public long LastId => DataEvents.LastOrDefault()?.EventId ?? 0;

    /// <summary>Waits until a data event with an id of at least <paramref name="id"/> arrived; fails at once if the stream ended.</summary>
    public Task WaitForIdAsync(long id, TimeSpan timeout) =>
        Eventually.UntilAsync(() => OpenOrThrow(LastId), last => last >= id, timeout, $"{Name} receiving event id {id}");

    /// <summary>Waits until <paramref name="count"/> events matching <paramref name="match"/> arrived after <paramref name="since"/>.</summary>
    public Task WaitForEventsAsync(Func<SseEvent, bool> match, int count, DateTimeOffset since, TimeSpan timeout, string what) =>
        Eventually.UntilAsync(() => OpenOrThrow(Events.Count(e => e.ReceivedAt > since && match(e))), seen => seen >= count, timeout, $"{Name} receiving {count} {what}");

    /// <summary>Waits until <paramref name="count"/> comment lines (keep-alives: no events, so counted on the wire) arrived after <paramref name="since"/>.</summary>
    public Task WaitForCommentsAsync(int count, DateTimeOffset since, TimeSpan timeout, string what) =>
        Eventually.UntilAsync(
            () => OpenOrThrow(_connection.Wire.Text(since).Split('\n').Count(line => line.StartsWith(':'))),
            seen => seen >= count,
            timeout,
            $"{Name} receiving {count} {what}");

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        await _connection.DisposeAsync();
        await _reading.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>The stream as text, one event a line, for failure messages and test output.</summary>
    public string Describe(int last = 40)
    {
        var events = Events;
        var text = new StringBuilder($"{Name}: {events.Count} events{(Ended is { } e ? $", ended: {e.GetType().Name}: {e.Message}" : ", open")}; last {Math.Min(last, events.Count)}:");
        foreach (var received in events.TakeLast(last))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {received.ReceivedAt:HH:mm:ss.fff} {received}");
        }

        return text.ToString();
    }

    private T OpenOrThrow<T>(T value) =>
        Ended is { } ended ? throw new InvalidOperationException($"The stream ended: {Describe()}", ended) : value;

    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                var received = await _connection.ReadEventAsync(ReadTimeout);
                lock (_events)
                {
                    _events.Add(received);
                }
            }
        }
        catch (Exception error) when (!_disposing)
        {
            _ended = error;
        }
        catch
        {
            // Disposal closed the stream.
        }
    }
}
