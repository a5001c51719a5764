using System.Threading.Channels;
using RandomDemo.Streaming.Broadcasting;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// Every replica's reader of the shared log: loads what the log holds as the replay once, then
/// publishes each new entry with its log id, woken by the append announcements and, in case one is
/// missed, every <see cref="PollInterval"/>. Each read tells the log the last id this replica has
/// sent (<see cref="RedisEventLog.ReadAfterAsync"/>). After an outage it goes on from that id;
/// entries the log lost meanwhile reach clients as a gap (<see cref="EventBroadcaster.Publish(long, RandomDemo.Contracts.DataPoint)"/>).
/// </summary>
internal sealed partial class EventLogReader(
    IConnectionMultiplexer redis,
    RedisEventLog log,
    EventLogStatus status,
    EventBroadcaster broadcaster,
    ILogger<EventLogReader> logger) : BackgroundService
{
    /// <summary>How often a reader looks at the log unasked: pub/sub announcements are lost while a connection is down.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly Channel<bool> _appended = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool _subscribed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            await FollowAsync(stoppingToken);
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    // Reads at once rather than at the next poll: a Redis that is back may have lost entries, and takes appends only after every replica's read (its grace period).
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _appended.Writer.TryWrite(true);

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SubscribeAsync();
                await ReadAsync();
                if (status.OnAnswered())
                {
                    LogFollowing(broadcaster.LastEventId);
                }
            }
            catch (RedisException ex)
            {
                if (status.OnFailed())
                {
                    LogUnreachable(broadcaster.LastEventId, ex.Message);
                }
            }

            try
            {
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                poll.CancelAfter(PollInterval);
                await _appended.Reader.WaitToReadAsync(poll.Token);
                _appended.Reader.TryRead(out _);
            }
            catch (OperationCanceledException)
            {
                // The poll interval passed, or the service is stopping.
            }
        }
    }

    /// <summary>Listens for append announcements; the client library subscribes again after a reconnect.</summary>
    private async Task SubscribeAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await redis.GetSubscriber().SubscribeAsync(log.AppendedChannel, (_, message) =>
        {
            if (message.TryParse(out long id))
            {
                status.OnLogged(id);
            }

            _appended.Writer.TryWrite(true);
        });
        _subscribed = true;
    }

    private async Task ReadAsync()
    {
        var entries = await log.ReadAfterAsync(broadcaster.LastEventId);
        if (!status.Loaded)
        {
            broadcaster.Preload(entries);
            if (entries.Count > 0)
            {
                status.OnLogged(entries[^1].Id, entries[^1].Point.Timestamp);
            }

            status.OnLoaded();
            LogLoaded(entries.Count, broadcaster.LastEventId);
            return;
        }

        foreach (var entry in entries)
        {
            if (entry.Id > broadcaster.LastEventId + 1)
            {
                LogGap(broadcaster.LastEventId + 1, entry.Id - 1);
            }

            broadcaster.Publish(entry.Id, entry.Point);
            status.OnLogged(entry.Id, entry.Point.Timestamp);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log read: {Events} events for replay, last event id {LastEventId}")]
    private partial void LogLoaded(int events, long lastEventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Following the event log after event {LastEventId}")]
    private partial void LogFollowing(long lastEventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log unreachable after event {LastEventId}; clients stay connected: {Reason}")]
    private partial void LogUnreachable(long lastEventId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log no longer holds events {From}..{To}; clients are told of the gap")]
    private partial void LogGap(long from, long to);
}
