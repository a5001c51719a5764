using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RandomDemo.Contracts;

namespace Microsoft.Extensions.Hosting;

/// <summary>The generator's gRPC client, as the services that call it (gateway, streaming) register it.</summary>
public static class RandomServiceClientExtensions
{
    /// <summary>
    /// Registers <see cref="RandomService.RandomServiceClient"/>. The address is
    /// <c>RandomService:Address</c> if set; otherwise <c>http://generator</c> when service discovery
    /// knows the generator (<c>Services:generator:*</c>, as an orchestrator injects it); otherwise
    /// the generator's local default port, so a service started alone finds a local generator.
    /// </summary>
    public static IHttpClientBuilder AddRandomServiceClient(this IServiceCollection services, IConfiguration configuration)
    {
        var address = configuration["RandomService:Address"]
            ?? (configuration.GetSection($"Services:{ServiceNames.Generator}").Exists()
                ? $"http://{ServiceNames.Generator}"
                : $"http://localhost:{ServicePorts.Generator}");

#pragma warning disable EXTEXP0001 // Experimental, but the supported way to opt one client out of the defaults.
        return services
            .AddGrpcClient<RandomService.RandomServiceClient>(options => options.Address = new Uri(address))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // One HTTP/2 connection caps concurrent streams at the server's limit (100);
                // more connections keep heavy fan-in from queueing.
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                // gRPC never follows redirects: no redirect stage on every call.
                AllowAutoRedirect = false,
            })
            // gRPC calls carry their own deadlines and status codes; the standard HTTP resilience
            // handler's timeouts would cut long-lived streams and its retries would hide UNAVAILABLE.
            .RemoveAllResilienceHandlers()
            // No per-call HttpClient logging handlers and scopes on the gateway's hot path;
            // the gRPC client logs failures itself.
            .RemoveAllLoggers();
#pragma warning restore EXTEXP0001
    }
}
