using RandomDemo.Contracts;
using RandomDemo.Streaming.Broadcasting;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// The producer's side of the shared log. Each upstream point becomes the held point, the newest one
/// not in the log yet; it is appended as soon as this replica may: at once while it holds the lease
/// (<see cref="ProducerLease"/>), else at the lease check that takes it, or after the log's grace
/// period. So a takeover sends a point at once instead of a period later. Every replica, the producer
/// too, publishes what the log holds (<see cref="EventLogReader"/>).
/// </summary>
internal sealed partial class SharedEventLog(
    RedisEventLog log,
    EventLogStatus status,
    EventBroadcaster broadcaster,
    ILogger<SharedEventLog> logger) : IEventLog, IDisposable
{
    // One append at a time, so points go in in the order they were held.
    private readonly SemaphoreSlim _appending = new(1, 1);
    private DataPoint? _held;
    private long _lastAppended;
    private bool _inGrace;

    public async ValueTask AppendAsync(DataPoint point, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _held, point);
        if (status.IsProducer)
        {
            await AppendHeldAsync();
        }
    }

    /// <summary>Appends the held point, if any, when this replica holds the lease and the log takes it.</summary>
    public async Task AppendHeldAsync()
    {
        // Mostly nothing is held (a producer appends each point as it comes): the lease check then waits for no append.
        if (Volatile.Read(ref _held) is null)
        {
            return;
        }

        await _appending.WaitAsync();
        try
        {
            // A point not newer than the log's newest (the previous producer's last) would put time back.
            if (Interlocked.Exchange(ref _held, null) is not { } point || point.Timestamp <= status.NewestTimestamp)
            {
                return;
            }

            // Never below an id this replica has seen: ids keep rising when Redis comes back without the stream.
            var result = await log.AppendAsync(status.Replica, point, Math.Max(_lastAppended, broadcaster.LastEventId) + 1);
            switch (result.Status)
            {
                case AppendStatus.Appended:
                    _inGrace = false;
                    _lastAppended = result.Id;
                    status.OnLogged(result.Id, point.Timestamp);
                    if (status.OnAnswered())
                    {
                        LogRedisBack();
                    }

                    break;
                case AppendStatus.NotProducer:
                    status.SetProducer(false);
                    LogLeaseLost();
                    break;
                case AppendStatus.InGrace:
                    // Held again unless a newer point came meanwhile; the next lease check tries again.
                    Interlocked.CompareExchange(ref _held, point, null);
                    if (!_inGrace)
                    {
                        _inGrace = true;
                        LogInGrace();
                    }

                    break;
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

    public void Dispose() => _appending.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "The event log is new or was lost by Redis: appending once every replica has told it the last id it sent")]
    private partial void LogInGrace();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Producer lease lost: another replica appends now")]
    private partial void LogLeaseLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log unreachable, no events are made until it answers: {Reason}")]
    private partial void LogRedisLost(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log answers again")]
    private partial void LogRedisBack();
}
