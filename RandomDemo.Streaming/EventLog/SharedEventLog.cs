using RandomDemo.Contracts;
using RandomDemo.Streaming.Broadcasting;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// The producer's side of the shared log: while this replica holds the lease (<see cref="ProducerLease"/>),
/// each upstream point is appended to the Redis stream; otherwise the point is left to the producer.
/// Every replica, the producer too, publishes what the log holds (<see cref="EventLogReader"/>).
/// </summary>
internal sealed partial class SharedEventLog(
    RedisEventLog log,
    EventLogStatus status,
    EventBroadcaster broadcaster,
    ILogger<SharedEventLog> logger) : IEventLog
{
    private long _lastAppended;

    public async ValueTask AppendAsync(DataPoint point, CancellationToken cancellationToken)
    {
        if (!status.IsProducer)
        {
            return;
        }

        try
        {
            // Never below an id this replica has seen: ids keep rising when Redis comes back without the stream.
            var id = await log.AppendAsync(status.Replica, point, Math.Max(_lastAppended, broadcaster.LastEventId) + 1);
            if (id is not { } appended)
            {
                status.SetProducer(false);
                LogLeaseLost();
                return;
            }

            _lastAppended = appended;
            status.OnLogged(appended);
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
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Producer lease lost: another replica appends now")]
    private partial void LogLeaseLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log unreachable, no events are made until it answers: {Reason}")]
    private partial void LogRedisLost(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log answers again")]
    private partial void LogRedisBack();
}
