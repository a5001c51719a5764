using Microsoft.Extensions.Options;
using RandomDemo.Streaming.Broadcasting;
using RandomDemo.Streaming.EventLog;
using StackExchange.Redis;

namespace RandomDemo.Streaming.Extensions;

internal static class EventLogServiceExtensions
{
    /// <summary>
    /// How long the log takes no append on a Redis that did not serve it before (new, restarted, failed
    /// over): longer than replicas' reconnects to it can lie apart (one is tried at each heartbeat once
    /// the retry interval has passed), after which each reads the log at once and so tells it what it has sent.
    /// </summary>
    private static readonly TimeSpan LogGracePeriod = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReconnectRetry = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The event log: in this process by default; shared by replicas in Redis when the connection
    /// string "events" is set. Call after the other hosted services: the lease is then given up first on stop.
    /// </summary>
    public static WebApplicationBuilder AddEventLog(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var shared = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(EventLogOptions.ConnectionName));
        services.AddSingleton(new EventLogStatus(shared));
        if (!shared)
        {
            services.AddSingleton<IEventLog, InMemoryEventLog>();
            return builder;
        }

        services.AddOptions<EventLogOptions>().BindConfiguration(EventLogOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EventLogOptions>, EventLogOptionsValidator>();

        // The event-log check below says more than the integration's ping; lease renewals and polls,
        // several a second, would bury the traces; commands fail at once while Redis is away instead
        // of queueing, so an outage shows within one poll.
        builder.AddRedisClient(
            EventLogOptions.ConnectionName,
            settings =>
            {
                settings.DisableHealthChecks = true;
                settings.DisableTracing = true;
            },
            options =>
            {
                options.AbortOnConnectFail = false;
                options.BacklogPolicy = BacklogPolicy.FailFast;
                options.ConnectTimeout = 2000;
                options.HeartbeatInterval = Heartbeat;
                options.ReconnectRetryPolicy = new LinearRetry((int)ReconnectRetry.TotalMilliseconds);
            });
        services.AddSingleton(provider => new RedisEventLog(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<EventLogOptions>>().Value.Name,
            provider.GetRequiredService<IOptions<StreamingOptions>>().Value.ReplayBufferSize,
            LogGracePeriod));
        services.AddSingleton<SharedEventLog>();
        services.AddSingleton<IEventLog>(provider => provider.GetRequiredService<SharedEventLog>());
        services.AddHealthChecks().AddCheck<EventLogHealthCheck>("event-log");

        // The shared log is the state that survives restarts; a file per replica would contradict it.
        services.PostConfigure<StreamingOptions>(options => options.StateFile = null);

        services.AddHostedService<EventLogReader>();
        services.AddHostedService<ProducerLease>();
        return builder;
    }
}
