using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// Takes the producer lease when it is free and renews it while held, every quarter of its time to
/// live, then has the held point appended if there is one; gives the lease up on a graceful stop so
/// another replica takes over at once.
/// </summary>
internal sealed partial class ProducerLease(
    RedisEventLog log,
    SharedEventLog sharedLog,
    EventLogStatus status,
    IOptions<EventLogOptions> options,
    ILogger<ProducerLease> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ttl = options.Value.LeaseTtl;
        using var timer = new PeriodicTimer(ttl / 4);
        try
        {
            do
            {
                await HoldAsync(ttl);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync gives the lease up.
        }
    }

    private async Task HoldAsync(TimeSpan ttl)
    {
        try
        {
            var held = await log.HoldLeaseAsync(status.Replica, ttl);
            status.OnAnswered();
            if (status.SetProducer(held))
            {
                LogRole(status.Role, status.Replica);
            }
        }
        catch (RedisException)
        {
            // The reader and the producer log the outage; the lease is not known to be held meanwhile.
            status.OnFailed();
            return;
        }

        if (status.IsProducer)
        {
            // On taking the lease, or once the log's grace period is over: the held point goes out now.
            await sharedLog.AppendHeldAsync();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!status.IsProducer)
        {
            return;
        }

        status.SetProducer(false);
        try
        {
            await log.ReleaseLeaseAsync(status.Replica).WaitAsync(cancellationToken);
            LogReleased();
        }
        catch (Exception ex) when (ex is RedisException or OperationCanceledException or TimeoutException)
        {
            // The lease then runs out on its own.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log role: {Role} (replica {Replica})")]
    private partial void LogRole(string role, string replica);

    [LoggerMessage(Level = LogLevel.Information, Message = "Producer lease given up: another replica takes over")]
    private partial void LogReleased();
}
