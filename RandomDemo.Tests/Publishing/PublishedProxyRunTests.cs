using System.Diagnostics;
using System.Text.Json;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.ScaleOut;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Publishing;

/// <summary>
/// The published nginx config run by Debian's nginx in front of two real streaming replicas on a real
/// redis-server, as compose runs it in front of the scaled service (no container images can be pulled
/// here): events pass through one by one, and a client whose replica dies resumes through the same
/// port on the other one without a gap. (Unbuffered delivery also holds without the config's
/// <c>proxy_buffering off</c>: the streaming service answers with <c>X-Accel-Buffering: no</c>.)
/// </summary>
public sealed class PublishedProxyRunTests(ScaledOutPublishedOutput published, ITestOutputHelper output) : IClassFixture<ScaledOutPublishedOutput>, IAsyncLifetime
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private readonly RedisServer _redis = new();
    private readonly List<IAsyncDisposable> _processes = [];
    private readonly string _nginxDirectory = Directory.CreateTempSubdirectory("randomdemo-nginx-run-").FullName;
    private readonly int _proxyPort = ServiceProcess.FreePort();
    private Process? _nginx;
    private List<ServiceProcess> _replicas = [];

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        var generator = await ServiceProcess.StartAsync("RandomDemo.Generator", output);
        _processes.Add(generator);
        var environment = new Dictionary<string, string?>
        {
            ["services__generator__http__0"] = generator.BaseAddress.ToString().TrimEnd('/'),
            // One event a second: each read waits for an event the proxy must pass on by itself.
            ["Upstream__FrequencyMs"] = "1000",
            ["ConnectionStrings__events"] = _redis.ConnectionString,
            ["EventLog__Name"] = $"proxy-run-{Guid.NewGuid():N}",
        };
        for (var replica = 0; replica < 2; replica++)
        {
            var process = await ServiceProcess.StartAsync("RandomDemo.Streaming", output, environment);
            _processes.Add(process);
            _replicas.Add(process);
        }

        StartNginx();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(new Uri(ProxyAddress, "/health"))).IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            WaitTimeout,
            "a ready replica answering /health through nginx");
    }

    public async Task DisposeAsync()
    {
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync().WaitAsync(ServiceProcess.StopTimeout);
        }

        _nginx?.Dispose();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _redis.DisposeAsync();
        Directory.Delete(_nginxDirectory, recursive: true);
    }

    private Uri ProxyAddress => new($"http://127.0.0.1:{_proxyPort}");

    [Fact]
    public async Task Events_pass_through_and_a_client_fails_over_to_the_other_replica_without_a_gap()
    {
        long lastId;
        await using (var stream = await SseConnection.OpenAsync(new Uri(ProxyAddress, "/stream")))
        {
            var events = await stream.ReadDataEventsAsync(2);
            Assert.Equal(events[0].EventId + 1, events[1].EventId);
            lastId = events[1].EventId;

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var serving = await Eventually.UntilAsync(
                async () => (await Task.WhenAll(_replicas.Select(async replica => (Replica: replica, Clients: await ClientsAsync(http, replica))))).Where(r => r.Clients > 0).ToList(),
                found => found.Count == 1,
                WaitTimeout,
                "exactly one replica with a client (this test's)");
            serving[0].Replica.Kill();
            try
            {
                while (true)
                {
                    lastId = (await stream.ReadDataEventAsync()).EventId;
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or Xunit.Sdk.XunitException or OperationCanceledException)
            {
                output.WriteLine($"stream ended after id {lastId}: {e.GetType().Name}");
            }
        }

        // nginx sends the reconnect to the replica that is left (the dead one refuses the connection).
        await using var resumed = await SseConnection.OpenAsync(new Uri(ProxyAddress, "/stream"), lastId.ToString());
        var next = await resumed.ReadDataEventsAsync(2);
        Assert.Equal([lastId + 1, lastId + 2], next.Select(e => e.EventId));
    }

    /// <summary>
    /// nginx with the published server block, changed only where compose differs from here: the upstream
    /// is the two replicas' loopback ports (compose: the service name, resolved to every replica) and it
    /// listens on a free loopback port (compose: 8085 in its own container).
    /// </summary>
    private void StartNginx()
    {
        var config = File.ReadAllText(Path.Combine(published.Directory, "streaming.nginx.conf"));
        var upstream = $"server streaming:{ServicePorts.Streaming};";
        var listen = $"listen {ServicePorts.Streaming};";
        Assert.Contains(upstream, config);
        Assert.Contains(listen, config);
        config = config
            .Replace(upstream, string.Join("\n    ", _replicas.Select(replica => $"server 127.0.0.1:{replica.Port};")))
            .Replace(listen, $"listen 127.0.0.1:{_proxyPort};");
        File.WriteAllText(Path.Combine(_nginxDirectory, "streaming.conf"), config);
        File.WriteAllText(Path.Combine(_nginxDirectory, "nginx.conf"), $$"""
            daemon off;
            pid {{_nginxDirectory}}/nginx.pid;
            error_log stderr;
            events {}
            http {
                access_log off;
                client_body_temp_path {{_nginxDirectory}}/body;
                proxy_temp_path {{_nginxDirectory}}/proxy;
                include {{_nginxDirectory}}/streaming.conf;
            }

            """);
        Assert.True(File.Exists("/usr/sbin/nginx"), "nginx is not installed (scripts/install-prerequisites.sh installs nginx-light)");
        var startInfo = new ProcessStartInfo("/usr/sbin/nginx", ["-p", _nginxDirectory, "-c", Path.Combine(_nginxDirectory, "nginx.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _nginx = Process.Start(startInfo) ?? throw new InvalidOperationException("nginx did not start");
        _nginx.OutputDataReceived += (_, e) => Log(e.Data);
        _nginx.ErrorDataReceived += (_, e) => Log(e.Data);
        _nginx.BeginOutputReadLine();
        _nginx.BeginErrorReadLine();
    }

    private void Log(string? line)
    {
        try
        {
            if (line is not null)
            {
                output.WriteLine($"[nginx] {line}");
            }
        }
        catch (InvalidOperationException)
        {
            // The test has finished.
        }
    }

    private static async Task<long> ClientsAsync(HttpClient http, ServiceProcess replica)
    {
        if (replica.HasExited)
        {
            return -1;
        }

        try
        {
            using var metrics = JsonDocument.Parse(await http.GetStringAsync(new Uri(replica.BaseAddress, "/metrics")));
            return metrics.RootElement.GetProperty("clients").GetInt64();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }
}
