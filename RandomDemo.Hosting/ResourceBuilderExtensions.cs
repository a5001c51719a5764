using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting;

/// <summary>The model API: each method adds or edits an annotation, nothing runs here.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>
    /// Adds an HTTP endpoint (named "http" unless <paramref name="name"/> says otherwise). The implicit "http" endpoint
    /// AddProject gives a project yields to it; declaring two endpoints with one name throws, as in Aspire.
    /// </summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, int? targetPort = null,
        string? name = null, string? env = null, bool isProxied = true)
        where T : IResourceWithEndpoints
    {
        var annotations = builder.Resource.Annotations;
        var endpointName = name ?? "http";
        annotations.RemoveAll(a => a is EndpointAnnotation { IsImplicit: true });
        if (builder.Resource.GetEndpoints().Any(e => string.Equals(e.Name, endpointName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"Endpoint with name '{endpointName}' already exists on resource '{builder.Resource.Name}'.");
        }

        annotations.Add(new EndpointAnnotation(endpointName)
        {
            Port = port,
            TargetPort = targetPort,
            TargetPortEnvironmentVariable = env,
            IsProxied = isProxied,
        });
        return builder;
    }

    /// <summary>Marks the HTTP endpoints as reachable from outside the application.</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEndpoints
    {
        foreach (var endpoint in builder.Resource.GetEndpoints().Where(e => e.UriScheme is "http" or "https"))
        {
            endpoint.IsExternal = true;
        }

        return builder;
    }

    /// <summary>Sets an environment variable of the resource's process (null removes an inherited one).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string? value)
        where T : IResourceWithEnvironment
    {
        builder.Resource.Annotations.Add(new EnvironmentAnnotation(name, value));
        return builder;
    }

    /// <summary>Gives the resource service discovery for <paramref name="source"/>: <c>http://{source}</c> resolves.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithServiceDiscovery> source)
        where T : IResourceWithEnvironment
    {
        builder.Resource.Annotations.Add(new ResourceReferenceAnnotation(source.Resource));
        return builder;
    }

    /// <summary>Starts the resource only once <paramref name="dependency"/> is Running and healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResourceWithWaitSupport
    {
        if (ReferenceEquals(builder.Resource, dependency.Resource))
        {
            throw new DistributedApplicationException($"Resource '{builder.Resource.Name}' cannot wait for itself.");
        }

        builder.Resource.Annotations.Add(new WaitAnnotation(dependency.Resource, WaitType.WaitUntilHealthy));
        return builder;
    }

    /// <summary>Health is <c>GET {path}</c> on the endpoint answering <paramref name="statusCode"/>.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string? path = null, int? statusCode = null, string? endpointName = null)
        where T : IResourceWithEndpoints
    {
        builder.Resource.Annotations.Add(new HttpHealthCheckAnnotation(path ?? "/health", statusCode ?? 200, endpointName));
        return builder;
    }
}
