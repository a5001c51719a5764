using System.Globalization;
using RandomDemo.AppHost.Lifecycle;

namespace RandomDemo.AppHost.ScaleOut;

public static class StreamingScaleOutExtensions
{
    /// <summary>Streaming replicas behind the one public port; more than one adds the shared event log.</summary>
    public const string ReplicasKey = "AppHost:StreamingReplicas";

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
    /// Runs <paramref name="replicas"/> copies of the streaming service behind its one port (DCP's proxy
    /// spreads the connections), sharing one event log in Redis; one replica needs none of it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithScaleOut(this IResourceBuilder<ProjectResource> streaming, int replicas)
    {
        if (replicas == 1)
        {
            return streaming;
        }

        var events = streaming.ApplicationBuilder.AddRedisServer(EventLogName);
        return streaming.WithReplicas(replicas).WithReference(events).WaitFor(events);
    }
}
