using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>One producer at a time appends to the shared log; when it goes, another takes over and ids go on.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class ProducerFailoverTests(ITestOutputHelper output)
{
    /// <summary>Generous: how fast a takeover is, bench/scaleout.sh measures; here it only has to happen.</summary>
    private static readonly TimeSpan TakeoverTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Exactly_one_replica_produces_and_when_it_is_killed_another_takes_over_with_no_gap_for_the_others_clients()
    {
        // A 3 s lease (renewed every 750 ms): on a loaded machine a producer starved of CPU for the shipped
        // 1 s lease's 750 ms would rightly lose it, which is a failover, not the fault-free period sampled here.
        await using var set = await ReplicaSet.StartAsync(output, replicas: 3, streaming: new Dictionary<string, string?>
        {
            ["EventLog__LeaseTtl"] = "00:00:03",
        });
        var producer = await set.WaitForOneProducerAsync(StreamingStack.WaitTimeout);
        for (var sample = 0; sample < 5; sample++)
        {
            var roles = await set.RolesAsync();
            Assert.True(roles.OneProducer && roles.ProducerPort == producer.Port, $"roles changed without a fault: {roles}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        foreach (var replica in set.Running)
        {
            var metrics = await set.MetricsAsync(replica);
            Assert.Equal("redis", metrics.String("event_log"));
            Assert.True(metrics.GetProperty("log_connected").GetBoolean(), $"port {replica.Port}: {metrics}");
        }

        var survivors = set.Running.Where(replica => replica != producer).ToList();
        var clients = new List<RecordingSseClient>();
        await using var _ = new AsyncDisposables(clients);
        foreach (var replica in survivors)
        {
            clients.Add(await RecordingSseClient.OpenAsync(ReplicaSet.StreamUri(replica)));
        }

        foreach (var client in clients)
        {
            await client.WaitForEventsAsync(received => received.IsData, 3, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "data events");
        }

        var lastBeforeKill = clients.Max(client => client.LastId);
        var killedAt = DateTimeOffset.UtcNow;
        producer.Kill();

        var newProducer = await set.WaitForOneProducerAsync(TakeoverTimeout);
        output.WriteLine($"measured: port {newProducer.Port} reported producer {(DateTimeOffset.UtcNow - killedAt).TotalMilliseconds:F0} ms after the SIGKILL of port {producer.Port} (at most one /metrics poll late)");

        // Points the generator made after the kill can reach the log only through the new producer.
        await AfterTakeover.AssertNewEventsReachEveryClientAsync(clients, killedAt, lastBeforeKill, output);
    }

    [Fact]
    public async Task A_producer_stopped_gracefully_releases_the_lease_and_another_replica_takes_over()
    {
        // A lease renewed every 15 s and expiring 60 s after a renewal: were it not released, no other
        // replica could hold it for at least 45 s after the stop, beyond the wait below.
        await using var set = await ReplicaSet.StartAsync(output, replicas: 2, streaming: new Dictionary<string, string?>
        {
            ["EventLog__LeaseTtl"] = "00:01:00",
        });
        var producer = await set.WaitForOneProducerAsync(StreamingStack.WaitTimeout);
        var survivor = set.Running.Single(replica => replica != producer);
        await using var client = await RecordingSseClient.OpenAsync(ReplicaSet.StreamUri(survivor));
        await client.WaitForEventsAsync(received => received.IsData, 3, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "data events");

        var lastBeforeStop = client.LastId;
        var stoppedAt = DateTimeOffset.UtcNow;
        await producer.StopAsync();
        Assert.True(producer.HasExited);
        Assert.Contains(producer.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));

        var newProducer = await set.WaitForOneProducerAsync(TimeSpan.FromSeconds(35));
        Assert.Equal(survivor.Port, newProducer.Port);
        output.WriteLine($"measured: port {survivor.Port} reported producer {(DateTimeOffset.UtcNow - stoppedAt).TotalMilliseconds:F0} ms after the SIGTERM of port {producer.Port}");
        await AfterTakeover.AssertNewEventsReachEveryClientAsync([client], stoppedAt, lastBeforeStop, output);
    }
}

/// <summary>What the clients of surviving replicas must see after a producer change.</summary>
internal static class AfterTakeover
{
    private const int NewEvents = 10;

    /// <summary>
    /// Every client gets <see cref="NewEvents"/> events made (generator timestamp) after
    /// <paramref name="changedAt"/>, its ids went on from before with no gap, no duplicate and no
    /// reset; the arrival of each client's first such event is written to the test output.
    /// </summary>
    public static async Task AssertNewEventsReachEveryClientAsync(IReadOnlyList<RecordingSseClient> clients, DateTimeOffset changedAt, long lastBefore, ITestOutputHelper output)
    {
        var changedAtMs = changedAt.ToUnixTimeMilliseconds();
        bool MadeAfter(SseEvent received) => received.IsData && received.Json.GetProperty("timestamp").GetInt64() > changedAtMs;
        foreach (var client in clients)
        {
            await client.WaitForEventsAsync(MadeAfter, NewEvents, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "events the generator made after the producer went");
            var first = client.Events.First(MadeAfter);
            output.WriteLine($"measured: {client.Name}: first event made after the producer went (id {first.EventId}) arrived {(first.ReceivedAt - changedAt).TotalMilliseconds:F0} ms after it");
            EventSequence.AssertWellFormed(client, gapsAllowed: false);
            Assert.True(client.LastId >= lastBefore + NewEvents, $"ids did not go on from {lastBefore}: {client.Describe()}");
        }
    }
}

/// <summary>Disposes a list of clients that a test fills as it goes.</summary>
internal sealed class AsyncDisposables(IEnumerable<IAsyncDisposable> items) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var item in items)
        {
            await item.DisposeAsync();
        }
    }
}
