using System.Globalization;
using RandomDemo.AppHost.Lifecycle;

namespace RandomDemo.AppHost.ScaleOut;

/// <summary>Where the shared event log's Redis runs: Aspire's Redis container, or Debian's <c>redis-server</c> as a process.</summary>
public enum EventLogRedisHost
{
    Container,
    Process,
}

public static class StreamingScaleOutExtensions
{
    /// <summary>Streaming replicas behind the one public port; more than one adds the shared event log.</summary>
    public const string ReplicasKey = "AppHost:StreamingReplicas";

    /// <summary><c>auto</c> (default), <c>container</c> or <c>process</c>: where Redis runs when there is more than one replica.</summary>
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
    /// Where Redis runs (<see cref="EventLogRedisKey"/>). <c>auto</c> takes the container only when it can
    /// start: a runtime answers and already holds Aspire's Redis image (no registry is reachable on these
    /// machines), or there is no <c>redis-server</c> to run instead.
    /// </summary>
    public static EventLogRedisHost ChooseEventLogRedisHost(this IDistributedApplicationBuilder builder) =>
        builder.ConfiguredEventLogRedisHost() ?? ChooseAutomatically(builder.Configuration[ContainerRuntimeProbe.RuntimeVariable]);

    /// <summary>The host <see cref="EventLogRedisKey"/> names; null for <c>auto</c>; a bad value stops the AppHost in one line.</summary>
    private static EventLogRedisHost? ConfiguredEventLogRedisHost(this IDistributedApplicationBuilder builder) =>
        builder.Configuration[EventLogRedisKey]?.ToLowerInvariant() switch
        {
            null or "auto" => null,
            "container" => EventLogRedisHost.Container,
            "process" => EventLogRedisHost.Process,
            _ => throw new AppHostStartupException(
                $"--{EventLogRedisKey} must be auto, container or process, not '{builder.Configuration[EventLogRedisKey]}'.", AppHostStartupException.BadArgumentExitCode),
        };

    private static EventLogRedisHost ChooseAutomatically(string? configuredRuntime)
    {
        var runtime = ContainerRuntimeProbe.AnsweringRuntime(configuredRuntime);
        return ChooseAutomatically(
            runtimeAnswers: runtime is not null,
            runtimeHasImage: runtime is not null && ContainerRuntimeProbe.HasImage(runtime, ContainerRuntimeProbe.AspireRedisImage()),
            redisServerOnPath: ContainerRuntimeProbe.IsOnPath("redis-server"));
    }

    /// <summary>The container only where it can start: a runtime that holds the image, or one that might pull it when nothing else can run Redis.</summary>
    internal static EventLogRedisHost ChooseAutomatically(bool runtimeAnswers, bool runtimeHasImage, bool redisServerOnPath) =>
        runtimeAnswers && (runtimeHasImage || !redisServerOnPath) ? EventLogRedisHost.Container : EventLogRedisHost.Process;

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
        IResourceBuilder<IResourceWithConnectionString> events;
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Publishing writes containers, never processes: Aspire's Redis model gives the image. The
            // setting is still checked, but no runtime is asked. No password: like the generator, Redis
            // is reachable inside the app's network only.
            _ = builder.ConfiguredEventLogRedisHost();
            events = builder.AddRedis(EventLogName).WithPassword(null);
        }
        else
        {
            events = builder.ChooseEventLogRedisHost() == EventLogRedisHost.Container ? builder.AddRedis(EventLogName) : builder.AddRedisServer(EventLogName);
        }

        return streaming.WithReplicas(replicas).WithReference(events).WaitFor(events);
    }
}
