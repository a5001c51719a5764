using Grpc.Net.Client;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>A real generator process shared by the tests of one class.</summary>
public sealed class GeneratorFixture : IAsyncLifetime
{
    private GrpcChannel? _channel;

    public StartedProcess Process { get; private set; } = null!;

    public RandomService.RandomServiceClient Client { get; private set; } = null!;

    public GrpcChannel Channel => _channel!;

    public async Task InitializeAsync()
    {
        Process = await StartedProcess.StartServiceAsync("RandomDemo.Generator",
            environment: new Dictionary<string, string?> { ["Logging__LogLevel__RandomDemo"] = "Debug" });
        _channel = GrpcChannel.ForAddress(Process.BaseAddress);
        Client = new RandomService.RandomServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await Process.DisposeAsync();
    }
}
