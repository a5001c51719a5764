using RandomDemo.Contracts;
using RandomDemo.Streaming.Broadcasting;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// The producer's side of the shared log: while this replica holds the lease (<see cref="ProducerLease"/>),
/// each upstream point is appended to the Redis stream; otherwise the newest point is only held, so
/// that on taking the lease it goes out at once instead of a period later. Every replica, the
/// producer too, publishes what the log holds (<see cref="EventLogReader"/>).
/// </summary>
internal sealed partial class SharedEventLog(
    RedisEventLog log,
    EventLogStatus status,
    EventBroadcaster broadcaster,
    ILogger<SharedEventLog> logger) : IEventLog, IDisposable
{
    // Appends one at a time and in time order: the upstream's points and the held one at a takeover.
    private readonly SemaphoreSlim _appending = new(1, 1);
    private DataPoint? _held;
    private long _lastAppended;
    private long _appendFrom;

    public async ValueTask AppendAsync(DataPoint point, CancellationToken cancellationToken)
    {
        if (!status.IsProducer || Environment.TickCount64 < Volatile.Read(ref _appendFrom))
        {
            Volatile.Write(ref _held, point);
            return;
        }

        await AppendInOrderAsync(point);
    }

    /// <summary>
    /// This replica has just taken the lease: the newest point it received meanwhile goes out now,
    /// or, after <paramref name="settle"/>, the first point to come then.
    /// </summary>
    public async Task OnLeaseTakenAsync(TimeSpan settle)
    {
        Volatile.Write(ref _appendFrom, Environment.TickCount64 + (long)settle.TotalMilliseconds);
        if (settle > TimeSpan.Zero)
        {
            LogSettling(settle.TotalMilliseconds);
            return;
        }

        if (Interlocked.Exchange(ref _held, null) is { } held)
        {
            await AppendInOrderAsync(held);
        }
    }

    public void Dispose() => _appending.Dispose();

    private async Task AppendInOrderAsync(DataPoint point)
    {
        await _appending.WaitAsync();
        try
        {
            // A held point older than the log's newest (the previous producer's last) would put time back.
            if (point.Timestamp <= status.NewestTimestamp)
            {
                return;
            }

            // Never below an id this replica has seen: ids keep rising when Redis comes back without the stream.
            var id = await log.AppendAsync(status.Replica, point, Math.Max(_lastAppended, broadcaster.LastEventId) + 1);
            if (id is not { } appended)
            {
                status.SetProducer(false);
                LogLeaseLost();
                return;
            }

            _lastAppended = appended;
            status.OnLogged(appended, point.Timestamp);
            if (status.OnAnswered())
            {
                LogRedisBack();
            }
        }
        catch (RedisException ex)
        {
            // While Redis is down no event is made: the log is where events are made.
            if (status.OnFailed())
            {
                LogRedisLost(ex.Message);
            }
        }
        finally
        {
            _appending.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The event log is empty (new, or Redis lost it): appending from {SettleMs:F0} ms on, once other replicas have told their last ids")]
    private partial void LogSettling(double settleMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Producer lease lost: another replica appends now")]
    private partial void LogLeaseLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log unreachable, no events are made until it answers: {Reason}")]
    private partial void LogRedisLost(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log answers again")]
    private partial void LogRedisBack();
}
