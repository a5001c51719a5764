namespace RandomDemo.AppHost.Health;

public static class HttpHealthEndpointExtensions
{
    /// <summary>Every health check of the service (ServiceDefaults' <c>MapDefaultEndpoints</c>).</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness checks only: the process answers, whatever its dependencies say.</summary>
    public const string AlivePath = "/alive";

    /// <summary>
    /// The service's HTTP health endpoints as the app model's readiness and liveness probes, which the
    /// published compose healthchecks and Kubernetes probes are written from. Each probe is also an
    /// Aspire health check (<c>WithHttpProbe</c> adds one), which <c>WaitFor</c> waits on in a run.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHttpHealthEndpoints(this IResourceBuilder<ProjectResource> builder, string endpointName = "http")
    {
#pragma warning disable ASPIREPROBES001 // Experimental; the app model's only description of probes.
        return builder
            .WithHttpProbe(ProbeType.Readiness, HealthPath, endpointName: endpointName)
            .WithHttpProbe(ProbeType.Liveness, AlivePath, endpointName: endpointName);
#pragma warning restore ASPIREPROBES001
    }
}
