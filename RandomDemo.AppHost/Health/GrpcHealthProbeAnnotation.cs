namespace RandomDemo.AppHost.Health;

/// <summary>
/// Marks a resource whose health is the gRPC health protocol's overall status on
/// <see cref="Endpoint"/> (Aspire's probe annotations describe HTTP probes only), so that publishing
/// writes a gRPC healthcheck and Kubernetes gRPC probes for it.
/// </summary>
public sealed class GrpcHealthProbeAnnotation(EndpointReference endpoint) : IResourceAnnotation
{
    public EndpointReference Endpoint { get; } = endpoint;
}
