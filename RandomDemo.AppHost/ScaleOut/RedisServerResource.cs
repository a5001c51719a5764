namespace RandomDemo.AppHost.ScaleOut;

/// <summary>
/// Debian's <c>redis-server</c> run as a process (no container runtime or image needed), without
/// persistence: the streaming replicas' shared event log, reached through its connection string
/// (<c>ConnectionStrings:{name}</c> in the referencing service).
/// </summary>
public sealed class RedisServerResource(string name, string workingDirectory)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => field ??= new EndpointReference(this, EndpointName);

    /// <summary><c>host:port</c>, the StackExchange.Redis configuration string.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}
