using System.Net;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>Redis, the shared log, goes away and comes back empty: clients stay, nothing is skipped silently.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> FrequentKeepAlives = new()
    {
        ["Streaming__KeepAliveInterval"] = "00:00:00.500",
    };

    [Fact]
    public async Task While_redis_is_down_clients_stay_connected_and_after_an_empty_restart_they_resume_with_no_silent_jump_and_no_repeat()
    {
        await using var set = await ReplicaSet.StartAsync(output, replicas: 2, streaming: FrequentKeepAlives);
        var clients = new List<RecordingSseClient>();
        await using var _ = new AsyncDisposables(clients);
        foreach (var replica in set.Replicas)
        {
            clients.Add(await RecordingSseClient.OpenAsync(ReplicaSet.StreamUri(replica)));
        }

        foreach (var client in clients)
        {
            await client.WaitForBlocksAsync(block => block.IsDataEvent, 3, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "data events");
        }

        set.Redis.Kill();
        foreach (var replica in set.Replicas)
        {
            await set.WaitForStatusAsync(replica, "/health", HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.OK, await set.StatusAsync(replica, "/alive"));
            await set.WaitForMetricsAsync(replica, m => !m.GetProperty("log_connected").GetBoolean(), "log_connected false");
        }

        // Connected throughout the outage: keep-alives keep coming on the open streams.
        var outage = DateTimeOffset.UtcNow;
        foreach (var client in clients)
        {
            await client.WaitForBlocksAsync(block => block.IsComment, 3, outage, StreamingStack.WaitTimeout, "keep-alive comments while Redis is down");
        }

        var lastBeforeRestart = clients.Select(client => client.LastId).ToList();
        await set.Redis.StartAsync();
        var restarted = DateTimeOffset.UtcNow;
        foreach (var replica in set.Replicas)
        {
            await set.WaitForStatusAsync(replica, "/health", HttpStatusCode.OK);
            await set.WaitForMetricsAsync(replica, m => m.GetProperty("log_connected").GetBoolean(), "log_connected true");
        }

        for (var i = 0; i < clients.Count; i++)
        {
            var client = clients[i];
            await client.WaitForBlocksAsync(block => block.IsDataEvent, 5, restarted, StreamingStack.WaitTimeout, "data events after Redis came back");
            Assert.Null(client.Ended);
            EventSequence.AssertWellFormed(client, gapsAllowed: true);
            Assert.True(client.LastId > lastBeforeRestart[i], client.Describe());
            var gaps = client.Blocks.Where(received => received.Block.Event == "gap").Select(received => received.Block.ToString()).ToList();
            output.WriteLine($"{client.Name}: last id {lastBeforeRestart[i]} before the restart, now {client.LastId}; gap events: {(gaps.Count == 0 ? "none" : string.Join(" | ", gaps))}");
        }
    }

    [Fact]
    public async Task A_replica_that_never_read_the_log_answers_503_with_retry_after_until_redis_is_there()
    {
        await using var set = await ReplicaSet.StartAsync(output, replicas: 1);
        set.Redis.Kill();
        var late = await set.AddReplicaAsync();

        var (http, response) = await SseConnection.SendAsync(ReplicaSet.StreamUri(late));
        using (http)
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
        }

        await set.WaitForStatusAsync(late, "/health", HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, await set.StatusAsync(late, "/alive"));

        await set.Redis.StartAsync();
        await set.WaitUntilServingAsync(late);
        await using var stream = await SseConnection.OpenAsync(ReplicaSet.StreamUri(late));
        var events = await stream.ReadDataEventsAsync(3);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => events[0].EventId + i), events.Select(e => e.EventId));
    }
}
