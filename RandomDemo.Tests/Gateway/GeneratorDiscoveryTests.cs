using System.Threading.Channels;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.ServiceDiscovery;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Gateway;

/// <summary>
/// The one long-lived gRPC channel of the gateway (and the streaming service) follows service
/// discovery: <see cref="ServiceDiscoveryResolverFactory"/> resolves the generator's endpoints and
/// resolves again when discovery's configuration changes, without a new channel.
/// </summary>
public sealed class GeneratorDiscoveryTests
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Resolver_follows_a_change_of_the_generator_endpoints()
    {
        var source = new Dictionary<string, string?> { ["Services:generator:http:0"] = "http://127.0.0.1:5001" };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(source).Build();
        await using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddServiceDiscovery()
            .Services.BuildServiceProvider();
        var factory = new ServiceDiscoveryResolverFactory(provider.GetRequiredService<ServiceEndpointResolver>());
        using var resolver = factory.Create(new ResolverOptions(new Uri("discovery://generator"), 80, NullLoggerFactory.Instance, new GrpcChannelOptions()));
        var results = Channel.CreateUnbounded<ResolverResult>();
        resolver.Start(result => results.Writer.TryWrite(result));
        resolver.Refresh();

        Assert.Equal(["127.0.0.1:5001"], await NextAddressesAsync(results.Reader));

        // What an orchestrator does when the generator moves: new endpoints, configuration reloaded.
        configuration["Services:generator:http:0"] = "http://127.0.0.1:5002";
        configuration["Services:generator:http:1"] = "http://127.0.0.1:5003";
        configuration.Reload();

        Assert.Equal(["127.0.0.1:5002", "127.0.0.1:5003"], await NextAddressesAsync(results.Reader));
    }

    [Fact]
    public void Gateway_client_is_one_singleton_on_a_discovery_channel_when_discovery_knows_the_generator()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Services:generator:http:0"] = "http://127.0.0.1:5001" })
            .Build();
        using var provider = new ServiceCollection()
            .AddLogging()
            .AddServiceDiscovery()
            .Services.AddSingleton<IConfiguration>(configuration)
            .AddRandomServiceClient(configuration)
            .BuildServiceProvider();

        var channel = provider.GetRequiredService<GrpcChannel>();
        Assert.Equal("generator", channel.Target);
        Assert.Same(provider.GetRequiredService<RandomService.RandomServiceClient>(), provider.GetRequiredService<RandomService.RandomServiceClient>());
    }

    private static async Task<string[]> NextAddressesAsync(ChannelReader<ResolverResult> results)
    {
        using var timeout = new CancellationTokenSource(ResolveTimeout);
        var result = await results.ReadAsync(timeout.Token);
        Assert.Equal(Grpc.Core.StatusCode.OK, result.Status.StatusCode);
        return [.. result.Addresses!.Select(address => $"{address.EndPoint.Host}:{address.EndPoint.Port}")];
    }
}
