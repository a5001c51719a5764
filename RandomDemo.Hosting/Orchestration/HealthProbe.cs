using System.Collections.Concurrent;
using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>
/// Asks a running resource whether it is healthy. With <see cref="HttpHealthCheckAnnotation"/>: an HTTP GET.
/// Without: GET /health on the first endpoint over HTTP/1.1, and, when the endpoint refuses HTTP/1.1 (Kestrel answers
/// 400 on an HTTP/2-only endpoint, as a gRPC service over h2c has), the grpc.health.v1 Check over HTTP/2.
/// </summary>
internal sealed class HealthProbe : IDisposable
{
    public const string DefaultPath = "/health";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = ProbeTimeout, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = ProbeTimeout,
    };

    // Resources found to speak only HTTP/2: they are probed with gRPC from then on.
    private readonly ConcurrentDictionary<string, bool> _http2Only = new(StringComparer.OrdinalIgnoreCase);

    public async Task<HealthStatus> CheckAsync(IResource resource, CancellationToken cancellationToken)
    {
        try
        {
            if (resource.TryGetLastAnnotation<HttpHealthCheckAnnotation>(out var check))
            {
                using var response = await GetAsync(Endpoint(resource, check.EndpointName), check.Path, cancellationToken);
                return (int)response.StatusCode == check.StatusCode ? HealthStatus.Healthy : HealthStatus.Unhealthy;
            }

            var endpoint = Endpoint(resource, endpointName: null);
            if (!_http2Only.ContainsKey(resource.Name))
            {
                using var response = await GetAsync(endpoint, DefaultPath, cancellationToken);
                if (response.StatusCode != HttpStatusCode.BadRequest)
                {
                    return response.IsSuccessStatusCode ? HealthStatus.Healthy : HealthStatus.Unhealthy;
                }
            }

            var status = await CheckGrpcAsync(endpoint, cancellationToken);
            _http2Only.TryAdd(resource.Name, true);
            return status;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever stops the probe (refused, reset, timed out, bad answer) means: not healthy now.
            return HealthStatus.Unhealthy;
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task<HealthStatus> CheckGrpcAsync(AllocatedEndpoint endpoint, CancellationToken cancellationToken)
    {
        // A channel per check: a long-lived one would back off reconnecting to a restarted process.
        using var channel = GrpcChannel.ForAddress(endpoint.UriString);
        var client = new Health.HealthClient(channel);
        var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.Add(ProbeTimeout), cancellationToken: cancellationToken);
        return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? HealthStatus.Healthy : HealthStatus.Unhealthy;
    }

    private Task<HttpResponseMessage> GetAsync(AllocatedEndpoint endpoint, string path, CancellationToken cancellationToken) =>
        _http.GetAsync(new Uri(new Uri(endpoint.UriString), path), cancellationToken);

    private static AllocatedEndpoint Endpoint(IResource resource, string? endpointName)
    {
        var endpoints = resource.GetEndpoints();
        var endpoint = endpointName is null
            ? endpoints.FirstOrDefault()
            : endpoints.FirstOrDefault(e => e.Name == endpointName);
        return endpoint?.AllocatedEndpoint
            ?? throw new InvalidOperationException($"Resource '{resource.Name}' has no allocated endpoint '{endpointName ?? "(first)"}' to probe.");
    }
}
