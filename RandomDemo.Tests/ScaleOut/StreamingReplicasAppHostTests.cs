using System.Net.Http.Json;
using System.Text.Json;
using RandomDemo.Tests.AppHost;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Page;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// The AppHost as a user runs it with <c>--AppHost:StreamingReplicas=3</c> (redis-server as a process):
/// three streaming processes and one redis-server; through the one streaming port, the shared log's
/// events with consecutive ids, a resume after Last-Event-ID, and a failover from a killed replica
/// with no event lost or repeated, for a test client and for the test page in a real browser.
/// One app for all of it: starting the AppHost with replicas is slow.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class StreamingReplicasAppHostTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int Replicas = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Three_replicas_behind_one_port_share_one_log_and_fail_over_without_a_gap()
    {
        await using var appHost = StartedProcess.StartAppHost(output, $"--AppHost:StreamingReplicas={Replicas}", "--AppHost:EventLogRedis=process");
        await appHost.WaitUntilServingAsync(StartTimeout);
        var onePort = new Uri($"http://127.0.0.1:{appHost.Ports["streaming"]}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        // Processes: three replicas of the streaming service, one redis-server.
        var replicas = await Eventually.UntilAsync(() => appHost.ReplicaProcesses("RandomDemo.Streaming"), pids => pids.Count == Replicas, WaitTimeout, $"{Replicas} streaming processes");
        Assert.Single(appHost.ProgramProcesses("redis-server"));

        // Each replica on its own port: exactly one holds the producer lease, the others follow, all on Redis.
        var replicaPorts = replicas.Select(StartedProcess.ListeningPortOf).ToList();
        Assert.DoesNotContain(appHost.Ports["streaming"], replicaPorts);
        var roles = await Eventually.UntilAsync(
            async () => string.Join(',', (await Task.WhenAll(replicaPorts.Select(port => RoleAsync(http, new Uri($"http://127.0.0.1:{port}"))))).Order()),
            found => found == "follower,follower,producer",
            WaitTimeout,
            "one producer and two followers on the replicas' own ports");
        output.WriteLine($"roles: {roles}");

        // The one port: metrics of a replica on the shared log.
        using (var metrics = JsonDocument.Parse(await http.GetStringAsync(new Uri(onePort, "/metrics"))))
        {
            Assert.Equal("redis", metrics.RootElement.GetProperty("event_log").GetString());
        }

        // The one port: consecutive ids.
        long lastId;
        await using (var stream = await OpenStreamAsync(new Uri(onePort, "/stream")))
        {
            var events = await stream.ReadDataEventsAsync(5);
            AssertConsecutive(events.Select(e => e.EventId).ToList());
            lastId = events[^1].EventId;
        }

        // Reconnecting through the one port (to any replica) resumes right after the last id seen.
        await using (var resumed = await OpenStreamAsync(new Uri(onePort, "/stream"), lastId.ToString()))
        {
            var events = await resumed.ReadDataEventsAsync(3);
            AssertConsecutive([lastId, .. events.Select(e => e.EventId)]);
            lastId = events[^1].EventId;
        }

        // Failover: the replica serving this client is killed; the client reconnects through the one port
        // with its Last-Event-ID, as a browser's EventSource does, and misses nothing.
        await using (var served = await OpenWithRetryAsync(() => RecordingSseClient.OpenAsync(new Uri(onePort, "/stream"), lastId.ToString()), "/stream through the one port"))
        {
            await served.WaitForEventsAsync(received => received.IsData, 1, DateTimeOffset.MinValue, WaitTimeout, "a data event");
            var serving = await ServingReplicaAsync(http, replicas, "exactly one replica with a client (this test's)");
            ResourceProcesses.Kill(serving);
            output.WriteLine($"killed replica {serving} after id {served.LastId}");
            await Eventually.UntilAsync(() => served.Ended, ended => ended is not null, WaitTimeout, "the killed replica's stream to end");
            EventSequence.AssertWellFormed(served, gapsAllowed: false);
            lastId = served.LastId;
            output.WriteLine($"stream ended after id {lastId}: {served.Ended!.GetType().Name}");
        }

        await using (var failedOver = await OpenStreamAsync(new Uri(onePort, "/stream"), lastId.ToString()))
        {
            var events = await failedOver.ReadDataEventsAsync(3);
            AssertConsecutive([lastId, .. events.Select(e => e.EventId)]);
        }

        await BrowserFailsOverWithoutAGapAsync(appHost, new Uri(onePort, "/stream"), http);
    }

    /// <summary>
    /// The test page on the one port; the replica serving it is killed; the browser's EventSource
    /// reconnects through the port with its Last-Event-ID and the page counts no gap and no reset.
    /// </summary>
    private async Task BrowserFailsOverWithoutAGapAsync(StartedProcess appHost, Uri stream, HttpClient http)
    {
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);
        await page.ConnectAsync(stream.ToString());
        await page.WaitForNumberAsync("stat-total", n => n >= 3, "three events in the browser", WaitTimeout);

        // The replicas now (one was killed and restarted above): the one with a client serves the page.
        var replicas = await Eventually.UntilAsync(() => appHost.ReplicaProcesses("RandomDemo.Streaming"), pids => pids.Count == Replicas, WaitTimeout, $"{Replicas} streaming processes");
        var serving = await ServingReplicaAsync(http, replicas, "exactly one replica with a client (the page)");
        var sequenceBefore = await page.NumberAsync("latest-sequence");

        // Chromium logs the lost stream (and any refused retry) as console errors.
        using (page.ExpectStreamNetworkErrors(stream.ToString()))
        {
            ResourceProcesses.Kill(serving);
            output.WriteLine($"killed replica {serving} serving the page at #{sequenceBefore}");
            await page.WaitForNumberAsync("stat-reconnects", n => n >= 1, "the page reconnected", WaitTimeout);
            var totalAfter = await page.NumberAsync("stat-total");
            await page.WaitForNumberAsync("stat-total", n => n >= totalAfter + 3, "three more events after the failover", WaitTimeout);
        }

        Assert.True(await page.NumberAsync("latest-sequence") > sequenceBefore);
        Assert.Equal(0, await page.NumberAsync("stat-gaps"));
        Assert.Equal(0, await page.NumberAsync("stat-resets"));
        Assert.DoesNotContain(await page.LogAsync("warn"), text => text.StartsWith("Sequence went back", StringComparison.Ordinal));
        await page.ScreenshotAsync("page-after-replica-failover");
        await page.DisconnectAsync();
        page.AssertNoConsoleErrors();
    }

    private static void AssertConsecutive(IReadOnlyList<long> ids) =>
        Assert.True(ids.Zip(ids.Skip(1)).All(pair => pair.Second == pair.First + 1), $"ids not consecutive: {string.Join(", ", ids)}");

    /// <summary>
    /// Opens <c>/stream</c> as EventSource would: again after a refused connection or a 503 (a replica
    /// that has not read the log yet, or a port whose replica just died), until the wait runs out.
    /// </summary>
    private static Task<SseConnection> OpenStreamAsync(Uri uri, string? lastEventId = null) =>
        OpenWithRetryAsync(() => SseConnection.OpenAsync(uri, lastEventId), $"GET {uri} with Last-Event-ID {lastEventId ?? "(none)"}");

    private static async Task<T> OpenWithRetryAsync<T>(Func<Task<T>> open, string what)
        where T : class =>
        (await Eventually.UntilAsync<T?>(
            async () =>
            {
                try
                {
                    return await open();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return null;
                }
            },
            connection => connection is not null,
            WaitTimeout,
            $"{what} answering 200"))!;

    /// <summary>Waits until exactly one of the replica processes has a client; returns its pid.</summary>
    private static async Task<int> ServingReplicaAsync(HttpClient http, IReadOnlyList<int> replicas, string what) =>
        (await Eventually.UntilAsync(
            async () => (await Task.WhenAll(replicas.Select(async pid => (Pid: pid, Clients: await ClientsAsync(http, StartedProcess.ListeningPortOf(pid)))))).Where(r => r.Clients > 0).ToList(),
            found => found.Count == 1,
            WaitTimeout,
            what))[0].Pid;

    private static async Task<string> RoleAsync(HttpClient http, Uri replica)
    {
        try
        {
            using var metrics = JsonDocument.Parse(await http.GetStringAsync(new Uri(replica, "/metrics")));
            return metrics.RootElement.GetProperty("event_log").GetString() == "redis"
                ? metrics.RootElement.GetProperty("role").GetString() ?? "none"
                : "not on redis";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return "not answering";
        }
    }

    private static async Task<long> ClientsAsync(HttpClient http, int port)
    {
        try
        {
            return (await http.GetFromJsonAsync<JsonElement>(new Uri($"http://127.0.0.1:{port}/metrics"))).Long("clients");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }
}
