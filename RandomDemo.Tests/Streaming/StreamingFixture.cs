namespace RandomDemo.Tests.Streaming;

/// <summary>A generator and a streaming service with default settings (points every 50 ms), shared by one test class.</summary>
public sealed class StreamingFixture : IAsyncLifetime
{
    public StreamingStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await StreamingStack.StartAsync(output: null);

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}
