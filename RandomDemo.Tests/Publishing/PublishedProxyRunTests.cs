using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.ScaleOut;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Publishing;

/// <summary>
/// The published nginx config run by Debian's nginx in front of two real streaming replicas on a real
/// redis-server, as compose runs it in front of the scaled service, without containers: events pass
/// through one by one, and a client whose replica dies resumes through the same
/// port on the other one without a gap. (Unbuffered delivery also holds without the config's
/// <c>proxy_buffering off</c>: the streaming service answers with <c>X-Accel-Buffering: no</c>.)
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class PublishedProxyRunTests(ScaledOutPublishedOutput published, ITestOutputHelper output) : IClassFixture<ScaledOutPublishedOutput>, IAsyncLifetime
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _nginxDirectory = Directory.CreateTempSubdirectory("randomdemo-nginx-run-").FullName;
    private readonly int _proxyPort = LoopbackPort.Free();
    private ReplicaSet? _set;
    private StartedProcess? _nginx;

    public async Task InitializeAsync()
    {
        // One event a second: each read waits for an event the proxy must pass on by itself.
        _set = await ReplicaSet.StartAsync(output, replicas: 2, frequencyMs: 1000);
        StartNginx(_set.Replicas);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync(() => http.AnswersOkAsync(new Uri(ProxyAddress, HealthEndpoints.Health)), WaitTimeout, "a ready replica answering /health through nginx");
    }

    public async Task DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }

        if (_set is not null)
        {
            await _set.DisposeAsync();
        }

        Directory.Delete(_nginxDirectory, recursive: true);
    }

    private Uri ProxyAddress => new($"http://127.0.0.1:{_proxyPort}");

    [Fact]
    public async Task Events_pass_through_and_a_client_fails_over_to_the_other_replica_without_a_gap()
    {
        var set = _set!;
        long lastId;
        await using (var stream = await RecordingSseClient.OpenAsync(new Uri(ProxyAddress, "/stream")))
        {
            await stream.WaitForEventsAsync(received => received.IsData, 2, DateTimeOffset.MinValue, WaitTimeout, "two data events");
            var events = stream.DataEvents;
            Assert.Equal(events[0].EventId + 1, events[1].EventId);

            var serving = await Eventually.UntilAsync(
                async () => (await Task.WhenAll(set.Running.Select(async replica => (Replica: replica, Clients: (await set.MetricsAsync(replica)).Long("clients"))))).Where(r => r.Clients > 0).ToList(),
                found => found.Count == 1,
                WaitTimeout,
                "exactly one replica with a client (this test's)");
            serving[0].Replica.Kill();
            await Eventually.UntilAsync(() => stream.Ended, ended => ended is not null, WaitTimeout, "the killed replica's stream to end");
            EventSequence.AssertWellFormed(stream, gapsAllowed: false);
            lastId = stream.LastId;
            output.WriteLine($"stream ended after id {lastId}: {stream.Ended!.GetType().Name}");
        }

        // nginx sends the reconnect to the replica that is left (the dead one refuses the connection).
        await using var resumed = await SseConnection.OpenAsync(new Uri(ProxyAddress, "/stream"), lastId.ToString());
        var next = await resumed.ReadDataEventsAsync(2);
        Assert.Equal([lastId + 1, lastId + 2], next.Select(e => e.EventId));
    }

    /// <summary>nginx with the published server block in front of the replicas' loopback ports, on a free loopback port.</summary>
    private void StartNginx(IEnumerable<StartedProcess> replicas)
    {
        var config = published.WriteNginxConfig(_nginxDirectory, replicas.Select(replica => $"127.0.0.1:{replica.Port}"), $"127.0.0.1:{_proxyPort}");
        _nginx = StartedProcess.Start("nginx", [ScaledOutPublishedOutput.Nginx, "-p", _nginxDirectory, "-c", config], output);
    }
}
