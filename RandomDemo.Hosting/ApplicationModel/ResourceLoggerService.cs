using System.Collections.Concurrent;

namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>One line a resource (or the AppHost) wrote.</summary>
public sealed record LogLine(string ResourceName, DateTimeOffset Timestamp, string Content, bool IsErrorMessage);

/// <summary>
/// The console output of every resource: a bounded backlog per resource and subscribers that see each new line
/// (the console writer now, the dashboard later).
/// </summary>
public sealed class ResourceLoggerService
{
    /// <summary>Name under which the AppHost's own messages appear.</summary>
    public const string AppHostResourceName = "apphost";

    private const int BacklogSize = 10_000;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<LogLine>> _backlogs = new(StringComparer.OrdinalIgnoreCase);
    private event Action<LogLine>? LineWritten;

    public IReadOnlyCollection<LogLine> GetBacklog(string resourceName) =>
        _backlogs.TryGetValue(resourceName, out var backlog) ? backlog.ToArray() : [];

    /// <summary>Calls <paramref name="onLine"/> for every line written from now on; dispose to stop.</summary>
    public IDisposable Subscribe(Action<LogLine> onLine)
    {
        LineWritten += onLine;
        return new Subscription(() => LineWritten -= onLine);
    }

    public void Write(string resourceName, string content, bool isErrorMessage = false)
    {
        var line = new LogLine(resourceName, DateTimeOffset.Now, content, isErrorMessage);
        var backlog = _backlogs.GetOrAdd(resourceName, _ => new ConcurrentQueue<LogLine>());
        backlog.Enqueue(line);
        while (backlog.Count > BacklogSize)
        {
            backlog.TryDequeue(out _);
        }

        LineWritten?.Invoke(line);
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
