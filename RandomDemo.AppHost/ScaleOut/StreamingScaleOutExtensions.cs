using System.Globalization;
using RandomDemo.AppHost.Lifecycle;

namespace RandomDemo.AppHost.ScaleOut;

/// <summary>Where the shared event log's Redis runs: Debian's <c>redis-server</c> as a process, or Aspire's Redis container.</summary>
internal enum EventLogRedisHost
{
    Process,
    Container,
}

public static class StreamingScaleOutExtensions
{
    /// <summary>Streaming replicas behind the one public port; more than one adds the shared event log.</summary>
    public const string ReplicasKey = "AppHost:StreamingReplicas";

    /// <summary><c>process</c> (default) or <c>container</c>: where Redis runs when there is more than one replica.</summary>
    public const string EventLogRedisKey = "AppHost:EventLogRedis";

    /// <summary>The resource (and connection string) name of the shared event log: <c>ConnectionStrings:events</c>.</summary>
    public const string EventLogName = "events";

    private const int MaxReplicas = 16;

    /// <summary>How many streaming replicas to run (<see cref="ReplicasKey"/>, default 1); a bad value stops the AppHost in one line.</summary>
    public static int StreamingReplicas(this IDistributedApplicationBuilder builder)
    {
        var value = builder.Configuration[ReplicasKey];
        if (value is null)
        {
            return 1;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas) && replicas is >= 1 and <= MaxReplicas
            ? replicas
            : throw new AppHostStartupException($"--{ReplicasKey} must be a number from 1 to {MaxReplicas}, not '{value}'.", AppHostStartupException.BadArgumentExitCode);
    }

    /// <summary>
    /// Where Redis runs (<see cref="EventLogRedisKey"/>): by default <c>redis-server</c> as a process, which
    /// needs no container runtime and no image; a bad value stops the AppHost in one line.
    /// </summary>
    private static EventLogRedisHost ConfiguredEventLogRedisHost(this IDistributedApplicationBuilder builder) =>
        builder.Configuration[EventLogRedisKey]?.ToLowerInvariant() switch
        {
            null or "process" => EventLogRedisHost.Process,
            "container" => EventLogRedisHost.Container,
            _ => throw new AppHostStartupException(
                $"--{EventLogRedisKey} must be process or container, not '{builder.Configuration[EventLogRedisKey]}'.", AppHostStartupException.BadArgumentExitCode),
        };

    /// <summary>
    /// Runs <paramref name="replicas"/> copies of the streaming service behind its one port (DCP's proxy
    /// spreads the connections), sharing one event log in Redis; one replica needs none of it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithScaleOut(this IResourceBuilder<ProjectResource> streaming, int replicas)
    {
        if (replicas == 1)
        {
            return streaming;
        }

        var builder = streaming.ApplicationBuilder;
        // Read in every mode, so that a bad value is an error when publishing too.
        var host = builder.ConfiguredEventLogRedisHost();
        IResourceBuilder<IResourceWithConnectionString> events;
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Publishing writes containers, never processes: Aspire's Redis model gives the image. No
            // password: like the generator, Redis is reachable inside the app's network only.
            events = builder.AddRedis(EventLogName).WithPassword(null);
        }
        else
        {
            events = host == EventLogRedisHost.Container ? builder.AddRedis(EventLogName) : builder.AddRedisServer(EventLogName);
        }

        return streaming.WithReplicas(replicas).WithReference(events).WaitFor(events);
    }
}
