using System.Globalization;
using RandomDemo.Tests.Infrastructure;
using StackExchange.Redis;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port, without persistence: a restart
/// comes back empty, as a Redis that lost its data does.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private StartedProcess? _process;

    public int Port { get; } = LoopbackPort.Free();

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    public Task InitializeAsync() => StartAsync();

    /// <summary>Starts redis-server (again, after <see cref="Kill"/>) and waits until it answers.</summary>
    public async Task StartAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _process = StartedProcess.Start("redis-server", ["redis-server", "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        await Eventually.UntilAsync(IsAnsweringAsync, answering => answering, TimeSpan.FromSeconds(15), $"redis-server on port {Port}");
    }

    /// <summary>SIGKILL: Redis and everything it held are gone.</summary>
    public void Kill() => _process?.Kill();

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
    private async Task<bool> IsAnsweringAsync()
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
            return (await connection.GetDatabase().PingAsync()) < TimeSpan.FromSeconds(5);
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }
}
