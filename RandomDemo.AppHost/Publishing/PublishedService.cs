using System.Globalization;
using RandomDemo.AppHost.Health;

#pragma warning disable ASPIREPROBES001 // Experimental; the app model's description of probes (HttpHealthEndpointExtensions).

namespace RandomDemo.AppHost.Publishing;

/// <summary>How a container engine or Kubernetes learns that a service is ready (or alive).</summary>
internal abstract record ServiceHealthProbe(int Port);

/// <summary>HTTP GET of <see cref="Path"/> answering 2xx.</summary>
internal sealed record HttpHealthProbe(int Port, string Path) : ServiceHealthProbe(Port);

/// <summary><c>grpc.health.v1.Health/Check</c> of the whole server answering SERVING.</summary>
internal sealed record GrpcHealthProbe(int Port) : ServiceHealthProbe(Port);

/// <summary>
/// One project of the app model as its container runs it: image, the port it listens on inside the
/// container (HTTP/2 only for an AsHttp2Service gRPC server), the port published outside (external
/// endpoints only), its environment (values still unresolved: endpoint references resolve differently
/// in compose and Kubernetes), what it waits for, its probes and replicas.
/// </summary>
internal sealed record PublishedService(
    string Name,
    string ExecutablePath,
    bool IsHttp2Only,
    int ContainerPort,
    int? PublishedPort,
    IReadOnlyList<KeyValuePair<string, object>> Environment,
    IReadOnlyList<string> WaitsFor,
    ServiceHealthProbe Readiness,
    ServiceHealthProbe? Liveness,
    int Replicas)
{
    /// <summary>The variable that names the image, e.g. <c>GATEWAY_IMAGE</c>.</summary>
    public string ImageVariable => ImageVariableOf(Name);

    public static string ImageVariableOf(string name) => $"{name.ToUpperInvariant().Replace('-', '_')}_IMAGE";

    /// <summary>The image the documented image build tags the service with (<c>ContainerRepository</c> randomdemo-NAME).</summary>
    public string DefaultImage => $"randomdemo-{Name}:latest";

    /// <summary>Where the image keeps the service: the SDK's container support puts the app in <c>/app</c>.</summary>
    internal const string AppDirectory = "/app";

    /// <summary>Reads the projects of <paramref name="model"/>; anything the output cannot express is a <see cref="PublishException"/>.</summary>
    public static async Task<IReadOnlyList<PublishedService>> ReadAllAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        var services = new List<PublishedService>();
        foreach (var resource in model.Resources)
        {
            switch (resource)
            {
                case ProjectResource project:
                    services.Add(await ReadAsync(project, executionContext, cancellationToken));
                    break;
                case RedisResource:
                    // A backing service, not a project: PublishedRedis.
                    break;
                case IComputeResource:
                    throw new PublishException($"{resource.Name} is a {resource.GetType().Name}; only .NET projects can be published to compose and Kubernetes here.");
                default:
                    // Parameters, connection strings and the like are not containers; anything that
                    // refers to them fails when its environment is resolved.
                    break;
            }
        }

        return services;
    }

    private static async Task<PublishedService> ReadAsync(ProjectResource project, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        var endpoints = project.Annotations.OfType<EndpointAnnotation>().ToList();
        if (endpoints is not [{ UriScheme: "http", TargetPort: int containerPort } endpoint])
        {
            throw new PublishException($"{project.Name} has {endpoints.Count} endpoints; the publisher expects exactly one plain http endpoint with a target port (WithServiceEndpoint).");
        }

        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(executionContext, project, environment, cancellationToken);
        foreach (var callback in project.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        var waitsFor = project.Annotations.OfType<WaitAnnotation>()
            .Select(wait => wait.WaitType == WaitType.WaitUntilHealthy
                ? wait.Resource.Name
                : throw new PublishException($"{project.Name} waits for {wait.Resource.Name} ({wait.WaitType}); the published output can only wait for a service to be healthy (WaitFor)."))
            .ToList();

        var assemblyName = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
        return new PublishedService(
            project.Name,
            $"{AppDirectory}/{assemblyName}",
            endpoint.Transport == "http2",
            containerPort,
            PublishedPortOf(endpoint),
            [.. environment],
            waitsFor,
            Probe(project, ProbeType.Readiness, containerPort)
                ?? throw new PublishException($"{project.Name} has no health check to publish: give it WithHttpHealthEndpoints() or WithGrpcHealthCheck()."),
            Probe(project, ProbeType.Liveness, containerPort),
            project.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1);
    }

    /// <summary>The port the service listens on in its container (the endpoint's target port, set by WithServiceEndpoint).</summary>
    public static int ContainerPortOf(EndpointReference endpoint) =>
        endpoint.EndpointAnnotation.TargetPort ?? throw new PublishException($"{endpoint.Resource.Name}'s {endpoint.EndpointName} endpoint has no target port.");

    /// <summary>The port an external endpoint is published on outside (its port; else its target port); none for an internal one.</summary>
    public static int? PublishedPortOf(EndpointAnnotation endpoint) =>
        endpoint.IsExternal ? endpoint.Port ?? endpoint.TargetPort : null;

    private static ServiceHealthProbe? Probe(ProjectResource project, ProbeType type, int containerPort)
    {
        if (project.Annotations.OfType<GrpcHealthProbeAnnotation>().Any())
        {
            // The gRPC health protocol answers for readiness and liveness alike.
            return new GrpcHealthProbe(containerPort);
        }

        var probe = project.Annotations.OfType<EndpointProbeAnnotation>().LastOrDefault(probe => probe.Type == type);
        return probe is null ? null : new HttpHealthProbe(containerPort, probe.Path);
    }

    /// <summary>
    /// The service's environment in the published output, with what it needs to send telemetry to the
    /// dashboard: endpoint references become <c>scheme://service:port</c> with the port
    /// <paramref name="portOf"/> gives (containers reach each other on container ports in compose, on
    /// Service ports in Kubernetes).
    /// </summary>
    public Dictionary<string, string> ResolveEnvironment(Func<EndpointReference, int> portOf)
    {
        var resolved = Environment.ToDictionary(variable => variable.Key, variable => ResolveVariable(variable.Key, variable.Value, portOf));
        foreach (var (variable, value) in PublishedDashboard.OtlpEnvironment(Name))
        {
            resolved[variable] = value;
        }

        return resolved;
    }

    private string ResolveVariable(string variable, object value, Func<EndpointReference, int> portOf) => value switch
    {
        string text => text,
        // ConnectionStrings__NAME of WithReference: the resource's own expression, resolved like any other.
        ConnectionStringReference reference => ResolveVariable(variable, reference.Resource.ConnectionStringExpression, portOf),
        EndpointReference reference => Url(reference, portOf),
        EndpointReferenceExpression expression => expression.Property switch
        {
            EndpointProperty.Url => Url(expression.Endpoint, portOf),
            EndpointProperty.Host => expression.Endpoint.Resource.Name,
            EndpointProperty.Port => portOf(expression.Endpoint).ToString(CultureInfo.InvariantCulture),
            EndpointProperty.TargetPort => ContainerPortOf(expression.Endpoint).ToString(CultureInfo.InvariantCulture),
            EndpointProperty.Scheme => expression.Endpoint.Scheme,
            EndpointProperty.HostAndPort => $"{expression.Endpoint.Resource.Name}:{portOf(expression.Endpoint).ToString(CultureInfo.InvariantCulture)}",
            _ => throw CannotExpress(variable, expression.ValueExpression),
        },
        ReferenceExpression expression => string.Format(
            CultureInfo.InvariantCulture,
            expression.Format,
            [.. expression.ValueProviders.Select(provider => (object)ResolveVariable(variable, provider, portOf))]),
        IManifestExpressionProvider other => throw CannotExpress(variable, other.ValueExpression),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => throw CannotExpress(variable, value.GetType().Name),
    };

    private static string Url(EndpointReference endpoint, Func<EndpointReference, int> portOf) =>
        $"{endpoint.Scheme}://{endpoint.Resource.Name}:{portOf(endpoint).ToString(CultureInfo.InvariantCulture)}";

    private PublishException CannotExpress(string variable, string expression) =>
        new($"{Name}'s {variable} is {expression}, which the compose and Kubernetes output cannot express.");
}
