using System.Globalization;
using RandomDemo.Tests.Infrastructure;
using StackExchange.Redis;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port, without persistence: a restart
/// comes back empty, as a Redis that lost its data does, unless a test saved a snapshot.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("redis-server-");
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

        _process = StartedProcess.Start("redis-server", ["redis-server", "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory.FullName]);
        await Eventually.UntilAsync(IsAnsweringAsync, answering => answering, TimeSpan.FromSeconds(15), $"redis-server on port {Port}");
    }

    /// <summary>SIGKILL: Redis and everything it held are gone (but for a saved snapshot).</summary>
    public void Kill() => _process?.Kill();

    /// <summary>Writes a snapshot of what Redis holds now; the next start loads it, as a Redis with persistence comes back with older data.</summary>
    public async Task SaveSnapshotAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true");
        await connection.GetServer($"127.0.0.1:{Port}").ExecuteAsync("SAVE");
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _directory.Delete(recursive: true);
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
