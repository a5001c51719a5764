using RandomDemo.Contracts;

namespace RandomDemo.AppHost.Health;

public static class HttpHealthEndpointExtensions
{
    /// <summary>
    /// The service's HTTP health endpoints as the app model's readiness and liveness probes, which the
    /// published compose healthchecks and Kubernetes probes are written from. Each probe is also an
    /// Aspire health check (<c>WithHttpProbe</c> adds one), which <c>WaitFor</c> waits on in a run.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHttpHealthEndpoints(this IResourceBuilder<ProjectResource> builder, string endpointName = "http")
    {
#pragma warning disable ASPIREPROBES001 // Experimental; the app model's only description of probes.
        return builder
            .WithHttpProbe(ProbeType.Readiness, HealthEndpoints.Health, endpointName: endpointName)
            .WithHttpProbe(ProbeType.Liveness, HealthEndpoints.Alive, endpointName: endpointName);
#pragma warning restore ASPIREPROBES001
    }
}
