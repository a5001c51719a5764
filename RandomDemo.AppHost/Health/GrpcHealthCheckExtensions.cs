using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace RandomDemo.AppHost.Health;

public static class GrpcHealthCheckExtensions
{
    /// <summary>How long one probe may take before the service counts as unhealthy.</summary>
    private static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(2);

    /// <summary>A refused connection is tried again every 50 ms or so until the deadline (gRPC's default waits 1 s, then longer).</summary>
    private static readonly GrpcChannelOptions ProbeChannel = new()
    {
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(50),
        MaxReconnectBackoff = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>
    /// Adds an Aspire health check that asks the resource's endpoint over the gRPC health protocol
    /// (<c>grpc.health.v1.Health/Check</c>, overall server status): an h2c-only service answers
    /// HTTP/1.1 probes with 400, so <c>WithHttpHealthCheck</c> cannot tell whether it serves.
    /// <c>WaitFor</c> on the resource then waits until it answers SERVING.
    /// </summary>
    public static IResourceBuilder<T> WithGrpcHealthCheck<T>(this IResourceBuilder<T> builder, string endpointName = "http")
        where T : IResourceWithEndpoints
    {
        var endpoint = builder.GetEndpoint(endpointName);
        var key = $"{builder.Resource.Name}_{endpointName}_grpc_health";
        builder.ApplicationBuilder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(key, _ => new GrpcHealthCheck(endpoint), failureStatus: HealthStatus.Unhealthy, tags: null));
        return builder.WithHealthCheck(key).WithAnnotation(new GrpcHealthProbeAnnotation(endpoint));
    }

    private sealed class GrpcHealthCheck(EndpointReference endpoint) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!endpoint.IsAllocated)
            {
                return HealthCheckResult.Unhealthy($"{endpoint.Resource.Name} has no allocated {endpoint.EndpointName} endpoint yet");
            }

            // A fresh channel per probe: a long-lived one would report its own reconnect backoff, not the service.
            using var channel = GrpcChannel.ForAddress(endpoint.Url, ProbeChannel);
            try
            {
                // Waits for the port to open within the deadline: a service that is still starting is
                // healthy the moment it serves, not at Aspire's next probe (1, 2, 3... s later).
                var reply = await new HealthClient(channel).CheckAsync(
                    new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow + ProbeDeadline, cancellationToken: cancellationToken).WithWaitForReady());
                return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"grpc.health.v1 says {reply.Status}");
            }
            catch (RpcException e)
            {
                return HealthCheckResult.Unhealthy($"grpc.health.v1 check failed: {e.Status.StatusCode} {e.Status.Detail}");
            }
        }
    }
}
