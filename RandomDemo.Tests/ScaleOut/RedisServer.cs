using System.Diagnostics;
using RandomDemo.Tests.Infrastructure;
using StackExchange.Redis;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port, without persistence: a restart
/// comes back empty, as a Redis that lost its data does.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; } = ServiceProcess.FreePort();

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    public Task InitializeAsync() => StartAsync();

    public async Task StartAsync()
    {
        var startInfo = new ProcessStartInfo("redis-server", ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("redis-server did not start (scripts/install-prerequisites.sh installs it)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.UntilAsync(IsAnsweringAsync, answering => answering, TimeSpan.FromSeconds(15), $"redis-server on port {Port}");
    }

    /// <summary>SIGKILL: Redis and everything it held are gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        _process = null;
    }

    public Task DisposeAsync()
    {
        Kill();
        return Task.CompletedTask;
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
