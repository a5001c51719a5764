using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Gateway;

/// <summary>
/// The gateway's (and the streaming service's) generator client: one long-lived gRPC channel that
/// still follows service discovery (<see cref="ServiceDiscoveryResolverFactory"/>): when discovery's
/// endpoints change, calls go to the new generator without a new channel.
/// </summary>
public sealed class GeneratorDiscoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SwitchTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Client_is_one_singleton_whose_channel_follows_a_change_of_the_generator_endpoint()
    {
        await using var first = await ServiceProcess.StartAsync("RandomDemo.Generator", output);
        await using var second = await ServiceProcess.StartAsync("RandomDemo.Generator", output);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Services:generator:http:0"] = first.BaseAddress.ToString().TrimEnd('/') })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddServiceDiscovery();
        await using var provider = services.AddRandomServiceClient(configuration).BuildServiceProvider();
        var client = provider.GetRequiredService<RandomService.RandomServiceClient>();
        Assert.Same(client, provider.GetRequiredService<RandomService.RandomServiceClient>());
        Assert.Equal("generator", provider.GetRequiredService<GrpcChannel>().Target);
        Assert.Equal(7, (await client.GetRandomNumberAsync(new NumberRequest { Min = 7, Max = 7 })).Value);

        // What an orchestrator does when the generator moves: the old one goes, discovery's configuration changes.
        first.Kill();
        configuration["Services:generator:http:0"] = second.BaseAddress.ToString().TrimEnd('/');
        configuration.Reload();

        var value = await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return (await client.GetRandomNumberAsync(new NumberRequest { Min = 8, Max = 8 }, deadline: DateTime.UtcNow.AddSeconds(5))).Value;
                }
                catch (RpcException)
                {
                    return 0;
                }
            },
            answer => answer == 8,
            SwitchTimeout,
            "an answer from the generator that discovery names now");
        Assert.Equal(8, value);
    }
}
