using System.Diagnostics;
using System.Net;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;
using RandomDemo.Contracts;

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
            await client.WaitForEventsAsync(received => received.IsData, 3, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "data events");
        }

        set.Redis.Kill();
        foreach (var replica in set.Replicas)
        {
            await set.WaitForStatusAsync(replica, HealthEndpoints.Health, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.OK, await set.StatusAsync(replica, HealthEndpoints.Alive));
            await set.WaitForMetricsAsync(replica, m => !m.GetProperty("log_connected").GetBoolean(), "log_connected false");
        }

        // Connected throughout the outage: keep-alives keep coming on the open streams.
        var outage = DateTimeOffset.UtcNow;
        foreach (var client in clients)
        {
            await client.WaitForCommentsAsync(3, outage, StreamingStack.WaitTimeout, "keep-alive comments while Redis is down");
        }

        var lastBeforeRestart = clients.Select(client => client.LastId).ToList();
        await set.Redis.StartAsync();
        var restarted = DateTimeOffset.UtcNow;
        foreach (var replica in set.Replicas)
        {
            await set.WaitForStatusAsync(replica, HealthEndpoints.Health, HttpStatusCode.OK);
            await set.WaitForMetricsAsync(replica, m => m.GetProperty("log_connected").GetBoolean(), "log_connected true");
        }

        // The empty Redis held no lease: one replica takes it again, not both.
        await set.WaitForOneProducerAsync(StreamingStack.WaitTimeout);
        for (var i = 0; i < clients.Count; i++)
        {
            var client = clients[i];
            await client.WaitForEventsAsync(received => received.IsData, 5, restarted, StreamingStack.WaitTimeout, "data events after Redis came back");
            Assert.Null(client.Ended);
            EventSequence.AssertWellFormed(client, gapsAllowed: true);
            Assert.True(client.LastId > lastBeforeRestart[i], client.Describe());
            var gaps = client.Events.Where(received => received.Type == "gap").Select(received => received.ToString()).ToList();
            output.WriteLine($"{client.Name}: last id {lastBeforeRestart[i]} before the restart, now {client.LastId}; gap events: {(gaps.Count == 0 ? "none" : string.Join(" | ", gaps))}");
        }
    }

    [Fact]
    public async Task Events_redis_lost_before_a_replica_read_them_reach_its_clients_as_one_gap_event_naming_exactly_them()
    {
        await using var set = await ReplicaSet.StartAsync(output, replicas: 2, streaming: FrequentKeepAlives);
        var producer = await set.WaitForOneProducerAsync(StreamingStack.WaitTimeout);
        var follower = set.Running.Single(replica => replica != producer);
        await using var client = await RecordingSseClient.OpenAsync(ReplicaSet.StreamUri(follower));
        await client.WaitForEventsAsync(received => received.IsData, 3, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "data events");

        // The follower is frozen while the producer appends, then Redis loses everything it held.
        var frozenAt = client.LastId;
        using (follower.Freeze())
        {
            await set.WaitForMetricsAsync(producer, m => m.Long("last_event_id") >= frozenAt + 10, $"10 events appended after id {frozenAt}");
            set.Redis.Kill();
            await set.Redis.StartAsync();
            var lostUpTo = (await set.WaitForMetricsAsync(producer, m => m.GetProperty("log_connected").GetBoolean(), "Redis answering again")).Long("last_event_id");
            await set.WaitForMetricsAsync(producer, m => m.Long("last_event_id") >= lostUpTo + 3, $"3 events appended after id {lostUpTo} to the empty log");
        }

        await client.WaitForEventsAsync(received => received.Type == "gap", 1, DateTimeOffset.MinValue, StreamingStack.WaitTimeout, "a gap event");
        await client.WaitForEventsAsync(received => received.IsData, 3, client.Events.Last(received => received.Type == "gap").ReceivedAt, StreamingStack.WaitTimeout, "data events after the gap");
        EventSequence.AssertWellFormed(client, gapsAllowed: true);
        var gaps = client.Events.Where(received => received.Type == "gap").ToList();
        Assert.True(gaps.Count == 1, client.Describe());

        // The gap covers at least the 10 events appended while the follower was frozen (and lost with Redis).
        var gap = gaps[0].Json;
        Assert.True(gap.GetProperty("from").GetInt64() > frozenAt && gap.GetProperty("to").GetInt64() >= frozenAt + 10, $"frozen at id {frozenAt}\n{client.Describe()}");
        output.WriteLine($"{client.Name}: last id {frozenAt} when the follower was frozen; {gaps[0]}");
    }

    [Fact]
    public async Task A_replica_that_never_read_the_log_answers_503_with_retry_after_until_redis_is_there()
    {
        await using var set = await ReplicaSet.StartAsync(output, replicas: 1);
        var sent = (await set.WaitForMetricsAsync(set.Replicas[0], m => m.Long("last_event_id") >= 3, "three events")).Long("last_event_id");
        set.Redis.Kill();
        var late = await set.AddReplicaAsync();

        var (http, response) = await SseConnection.SendAsync(ReplicaSet.StreamUri(late));
        using (http)
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
        }

        await set.WaitForStatusAsync(late, HealthEndpoints.Health, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, await set.StatusAsync(late, HealthEndpoints.Alive));

        // A client that comes as Redis returns, before the replica has read the log, is held until it
        // has (EventSource would give up for good on a 503), then answered.
        await set.Redis.StartAsync();
        var asked = Stopwatch.StartNew();
        await using var stream = await SseConnection.OpenAsync(ReplicaSet.StreamUri(late));
        output.WriteLine($"measured: /stream answered {asked.ElapsedMilliseconds} ms after Redis answered again");
        var events = await stream.ReadDataEventsAsync(3);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => events[0].EventId + i), events.Select(e => e.EventId));

        // Redis came back empty, and the late replica (which had sent nothing) may have taken the lease
        // first: still no id the first replica had already sent is used again.
        Assert.True(events[0].EventId > sent, $"ids after the restart start at {events[0].EventId}; the first replica had sent up to {sent}");
    }
}
