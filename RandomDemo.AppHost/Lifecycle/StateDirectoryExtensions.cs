using Microsoft.Extensions.Configuration;

namespace RandomDemo.AppHost.Lifecycle;

public static class StateDirectoryExtensions
{
    /// <summary>Where services keep state across graceful restarts; default <c>RandomDemo.AppHost/.state</c>.</summary>
    public const string StateDirectoryKey = "AppHost:StateDirectory";

    /// <summary>
    /// Gives the streaming service a state file (its replay buffer and last event id, written on
    /// graceful shutdown), so that browsers resume without a reset after the AppHost restarts. Not for
    /// replicas (WithReplicas &gt; 1): their shared event log in Redis is the state, and one file cannot serve N processes.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStreamingStateFile(this IResourceBuilder<ProjectResource> builder)
    {
        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            // A host path means nothing in a container, which has no volume for it: a published
            // streaming service starts with an empty replay buffer.
            return builder;
        }

        var directory = builder.ApplicationBuilder.Configuration[StateDirectoryKey]
            ?? Path.Combine(builder.ApplicationBuilder.AppHostDirectory, ".state");
        var stateFile = Path.GetFullPath(Path.Combine(directory, $"{builder.Resource.Name}.json"));
        // Decided when the environment is made, so that WithReplicas may come before or after.
        return builder.WithEnvironment(context =>
        {
            if (builder.Resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault() is not { Replicas: > 1 })
            {
                context.EnvironmentVariables["Streaming__StateFile"] = stateFile;
            }
        });
    }
}
