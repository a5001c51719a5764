namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>
/// A network endpoint of a resource. <see cref="Port"/> is where it is reached, <see cref="TargetPort"/> where the
/// process listens inside a container; with no proxy in local runs, the process listens on <see cref="Port"/>
/// (or <see cref="TargetPort"/>, or a free port when both are null).
/// </summary>
public sealed class EndpointAnnotation(string name, string uriScheme = "http") : IResourceAnnotation
{
    public string Name { get; } = name;

    public string UriScheme { get; } = uriScheme;

    public int? Port { get; set; }

    public int? TargetPort { get; set; }

    /// <summary>Reachable from outside the application (published ports, the start-up summary).</summary>
    public bool IsExternal { get; set; }

    public bool IsProxied { get; set; } = true;

    /// <summary>An environment variable that receives the port the process must listen on.</summary>
    public string? TargetPortEnvironmentVariable { get; set; }

    /// <summary>The endpoint AddProject gives a project that declares none; the first declared endpoint replaces it.</summary>
    public bool IsImplicit { get; init; }

    /// <summary>Where the endpoint is listening in this run; set by the orchestrator at start.</summary>
    public AllocatedEndpoint? AllocatedEndpoint { get; set; }
}

/// <summary>The address an endpoint got for one run.</summary>
public sealed record AllocatedEndpoint(string UriScheme, string Host, int Port)
{
    public string UriString => $"{UriScheme}://{Host}:{Port}";

    public override string ToString() => UriString;
}

/// <summary>An environment variable for the resource's process.</summary>
public sealed record EnvironmentAnnotation(string Name, string? Value) : IResourceAnnotation;

/// <summary>The resource gets service discovery settings for <see cref="Resource"/>'s endpoints.</summary>
public sealed record ResourceReferenceAnnotation(IResourceWithServiceDiscovery Resource) : IResourceAnnotation;

public enum WaitType
{
    /// <summary>The dependency is Running and healthy.</summary>
    WaitUntilHealthy,
}

/// <summary>The resource starts only once <see cref="Resource"/> is ready.</summary>
public sealed record WaitAnnotation(IResource Resource, WaitType WaitType) : IResourceAnnotation;

/// <summary>Health is an HTTP GET of <see cref="Path"/> answering <see cref="StatusCode"/>.</summary>
public sealed record HttpHealthCheckAnnotation(string Path, int StatusCode, string? EndpointName) : IResourceAnnotation;

/// <summary>How many instances of the resource run.</summary>
public sealed record ReplicaAnnotation(int Replicas) : IResourceAnnotation;
