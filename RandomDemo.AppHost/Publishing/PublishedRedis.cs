namespace RandomDemo.AppHost.Publishing;

/// <summary>
/// A Redis of the app model (Aspire's <see cref="RedisResource"/>) as its container runs it: Aspire's
/// image, its port inside the network only, no persistence (the streaming event log keeps the last few
/// events, and a replica tells clients about a gap), no password (reachable inside the app's network only).
/// </summary>
internal sealed record PublishedRedis(string Name, string DefaultImage, int ContainerPort)
{
    /// <summary>The variable that names the image, e.g. <c>EVENTS_IMAGE</c>.</summary>
    public string ImageVariable => PublishedService.ImageVariableOf(Name);

    /// <summary>The server with nothing written to disk; the image's entrypoint runs it.</summary>
    public static readonly string[] Command = ["redis-server", "--save", "", "--appendonly", "no"];

    /// <summary>Redis's own liveness answer, with the client the image ships.</summary>
    public static readonly string[] PingCommand = ["redis-cli", "ping"];

    public static IReadOnlyList<PublishedRedis> ReadAll(DistributedApplicationModel model) =>
        [.. model.Resources.OfType<RedisResource>().Select(Read)];

    private static PublishedRedis Read(RedisResource redis)
    {
        if (redis.PasswordParameter is not null)
        {
            throw new PublishException($"{redis.Name} has a password, which the compose and Kubernetes output cannot keep secret; publish it with WithPassword(null).");
        }

        if (!redis.TryGetLastAnnotation<ContainerImageAnnotation>(out var image))
        {
            throw new PublishException($"{redis.Name} has no container image.");
        }

        var registry = image.Registry is { Length: > 0 } ? $"{image.Registry}/" : "";
        return new PublishedRedis(redis.Name, $"{registry}{image.Image}:{image.Tag}", PublishedService.ContainerPortOf(redis.PrimaryEndpoint));
    }
}
