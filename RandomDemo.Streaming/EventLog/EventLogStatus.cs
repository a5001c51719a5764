namespace RandomDemo.Streaming.EventLog;

/// <summary>What /metrics and /health say of the event log: where it is, this replica's role, whether Redis answers, how far behind the log this replica is.</summary>
internal sealed class EventLogStatus(bool shared)
{
    private volatile bool _producer;
    private volatile bool _connected = !shared;
    private volatile bool _loaded = !shared;
    private long _newestLogged;
    private long _newestTimestamp;

    /// <summary>This replica's name in the producer lease: unique per process.</summary>
    public string Replica { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public bool Shared => shared;

    /// <summary>"memory" (this process) or "redis" (shared by replicas).</summary>
    public string Kind => shared ? "redis" : "memory";

    /// <summary>"single" (no shared log), "producer" (holds the lease, appends) or "follower".</summary>
    public string Role => !shared ? "single" : _producer ? "producer" : "follower";

    public bool IsProducer => _producer;

    /// <summary>Redis answered the last command (always true without a shared log).</summary>
    public bool Connected => _connected;

    /// <summary>The log has been read once, so replay and ids are known (always true without a shared log).</summary>
    public bool Loaded => _loaded;

    /// <summary>The generator's time of the newest point this replica has seen in the log (or appended), unix ms.</summary>
    public long NewestTimestamp => Interlocked.Read(ref _newestTimestamp);

    /// <summary>Events in the log this replica has not published yet.</summary>
    public long Lag(long lastPublishedId) => shared ? Math.Max(0, Interlocked.Read(ref _newestLogged) - lastPublishedId) : 0;

    /// <summary>Whether this replica holds the lease; true when it changed.</summary>
    public bool SetProducer(bool producer)
    {
        var changed = _producer != producer;
        _producer = producer;
        return changed;
    }

    /// <summary>Redis answered; true when it had not before.</summary>
    public bool OnAnswered()
    {
        var changed = !_connected;
        _connected = true;
        return changed;
    }

    /// <summary>Redis did not answer; true when it had before. The lease is not known to be held any more.</summary>
    public bool OnFailed()
    {
        _producer = false;
        var changed = _connected;
        _connected = false;
        return changed;
    }

    public void OnLoaded() => _loaded = true;

    /// <summary>The log holds an event with this id (announced), or with this id and point time (read or appended).</summary>
    public void OnLogged(long id, long timestamp = 0)
    {
        RaiseTo(ref _newestLogged, id);
        RaiseTo(ref _newestTimestamp, timestamp);
    }

    private static void RaiseTo(ref long field, long value)
    {
        var current = Interlocked.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
