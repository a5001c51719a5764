using Microsoft.Extensions.Configuration;

namespace RandomDemo.AppHost.Lifecycle;

public static class StateDirectoryExtensions
{
    /// <summary>Where services keep state across graceful restarts; default <c>RandomDemo.AppHost/.state</c>.</summary>
    public const string StateDirectoryKey = "AppHost:StateDirectory";

    /// <summary>
    /// Gives the streaming service a state file (its replay buffer and last event id, written on
    /// graceful shutdown), so that browsers resume without a reset after the AppHost restarts.
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
        return builder.WithEnvironment("Streaming__StateFile", Path.GetFullPath(Path.Combine(directory, $"{builder.Resource.Name}.json")));
    }
}
