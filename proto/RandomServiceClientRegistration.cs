using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace RandomDemo.Contracts;

public static class RandomServiceClientRegistration
{
    /// <summary>
    /// Registers <see cref="RandomService.RandomServiceClient"/> as a singleton on one long-lived
    /// <see cref="GrpcChannel"/>. The address is <c>RandomService:Address</c> if set; otherwise the
    /// generator as service discovery knows it (<c>Services:generator:*</c>, as an orchestrator
    /// injects it), resolved by <see cref="ServiceDiscoveryResolverFactory"/> and re-resolved when
    /// discovery's endpoints change or a connection fails; otherwise the generator's local default
    /// port, so a service started alone finds a local generator.
    /// </summary>
    public static IServiceCollection AddRandomServiceClient(this IServiceCollection services, IConfiguration configuration)
    {
        var address = configuration["RandomService:Address"]
            ?? (configuration.GetSection($"Services:{ServiceNames.Generator}").Exists()
                ? $"{ServiceDiscoveryResolverFactory.Scheme}://{ServiceNames.Generator}"
                : $"http://localhost:{ServicePorts.Generator}");

        services.TryAddEnumerable(ServiceDescriptor.Singleton<ResolverFactory, ServiceDiscoveryResolverFactory>());
        services.TryAddSingleton(provider => CreateChannel(new Uri(address), provider));
        services.TryAddSingleton(provider => new RandomService.RandomServiceClient(provider.GetRequiredService<GrpcChannel>()));
        return services;
    }

    // One channel for the life of the process instead of IHttpClientFactory's rotating handler chain
    // (service discovery, logging and diagnostics handlers around every call): the gRPC balancer
    // re-resolves through the resolver instead, and a call costs about half the CPU and allocations.
    private static GrpcChannel CreateChannel(Uri address, IServiceProvider provider) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        // The generator serves h2c; a discovery address names no scheme of its own to tell.
        Credentials = ChannelCredentials.Insecure,
        ServiceProvider = provider,
        LoggerFactory = provider.GetRequiredService<ILoggerFactory>(),
        ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
        HttpHandler = new SocketsHttpHandler
        {
            // One HTTP/2 connection caps concurrent streams at the server's limit (100);
            // more connections keep heavy fan-in from queueing.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            // gRPC neither follows redirects nor sends cookies: two handlers less on every call.
            AllowAutoRedirect = false,
            UseCookies = false,
        },
    });
}
