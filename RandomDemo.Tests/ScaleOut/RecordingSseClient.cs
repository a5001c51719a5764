using System.Globalization;
using System.Text;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Streaming;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>An SSE block and the wall-clock time it arrived.</summary>
public sealed record ReceivedBlock(SseBlock Block, DateTimeOffset At);

/// <summary>
/// A /stream client that reads in the background for as long as it is open and records every
/// block (events, gap and reset notices, keep-alive comments) with its arrival time, so that a test
/// can fault replicas or Redis meanwhile and look at the whole stream afterwards.
/// </summary>
public sealed class RecordingSseClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMinutes(5);

    private readonly SseConnection _connection;
    private readonly List<ReceivedBlock> _blocks = [];
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

    /// <summary>Everything received so far, in order.</summary>
    public IReadOnlyList<ReceivedBlock> Blocks
    {
        get
        {
            lock (_blocks)
            {
                return [.. _blocks];
            }
        }
    }

    public IReadOnlyList<SseBlock> DataEvents => [.. Blocks.Select(received => received.Block).Where(block => block.IsDataEvent)];

    /// <summary>The newest data event id received, 0 before the first.</summary>
    public long LastId => DataEvents.LastOrDefault()?.EventId ?? 0;

    /// <summary>Waits until a data event with an id of at least <paramref name="id"/> arrived; fails at once if the stream ended.</summary>
    public Task WaitForIdAsync(long id, TimeSpan timeout) =>
        Eventually.UntilAsync(() => OpenOrThrow(LastId), last => last >= id, timeout, $"{Name} receiving event id {id}");

    /// <summary>Waits until <paramref name="count"/> blocks matching <paramref name="match"/> arrived after <paramref name="since"/>.</summary>
    public Task WaitForBlocksAsync(Func<SseBlock, bool> match, int count, DateTimeOffset since, TimeSpan timeout, string what) =>
        Eventually.UntilAsync(() => OpenOrThrow(Blocks.Count(b => b.At > since && match(b.Block))), seen => seen >= count, timeout, $"{Name} receiving {count} {what}");

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        await _connection.DisposeAsync();
        await _reading.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>The stream as text, one block a line, for failure messages and test output.</summary>
    public string Describe(int last = 40)
    {
        var blocks = Blocks;
        var text = new StringBuilder($"{Name}: {blocks.Count} blocks{(Ended is { } e ? $", ended: {e.GetType().Name}: {e.Message}" : ", open")}; last {Math.Min(last, blocks.Count)}:");
        foreach (var received in blocks.TakeLast(last))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {received.At:HH:mm:ss.fff} {received.Block}");
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
                var block = await _connection.ReadBlockAsync(ReadTimeout);
                lock (_blocks)
                {
                    _blocks.Add(new ReceivedBlock(block, DateTimeOffset.UtcNow));
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
