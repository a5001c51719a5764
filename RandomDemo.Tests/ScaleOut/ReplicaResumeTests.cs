using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>The tests that start streaming replicas run one at a time: each holds several processes.</summary>
[CollectionDefinition(Name)]
public sealed class ReplicaCollection
{
    public const string Name = "Streaming replicas";
}

/// <summary>A client resumes on any replica: the shared log gives every replica the same ids and the same data.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplicaResumeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_that_moves_to_another_replica_with_its_last_id_gets_the_following_events_with_the_same_data()
    {
        await using var set = await ReplicaSet.StartAsync(output, replicas: 2);
        var (a, b) = (set.Replicas[0], set.Replicas[1]);

        // Witnesses on both replicas record what each id carried there.
        await using var witnessA = await RecordingSseClient.OpenAsync(ReplicaSet.StreamUri(a));
        await using var witnessB = await RecordingSseClient.OpenAsync(ReplicaSet.StreamUri(b));
        List<SseEvent> onA;
        await using (var client = await SseConnection.OpenAsync(ReplicaSet.StreamUri(a)))
        {
            onA = await client.ReadDataEventsAsync(5);
        }

        var lastId = onA[^1].EventId;

        // B's log has moved on, so the resume is a replay from the shared log and then live events.
        await set.WaitForMetricsAsync(b, m => m.Long("last_event_id") >= lastId + 5, $"5 events after id {lastId}");
        await using var onB = await SseConnection.OpenAsync(ReplicaSet.StreamUri(b), ReplicaSet.Id(lastId));
        var resumed = await onB.ReadDataEventsAsync(15);
        Assert.Equal(SseConnection.ServiceRetry, resumed[0].Retry);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => lastId + i), resumed.Select(e => e.EventId));
        Assert.All(resumed, e => Assert.Equal(e.EventId, e.Json.GetProperty("sequence").GetInt64()));

        // The same id carries the same data whichever replica served it, both ways.
        await witnessA.WaitForIdAsync(resumed[^1].EventId, StreamingStack.WaitTimeout);
        await witnessB.WaitForIdAsync(lastId, StreamingStack.WaitTimeout);
        var seenOnA = witnessA.DataEvents.ToDictionary(e => e.EventId, e => e.Data);
        var seenOnB = witnessB.DataEvents.ToDictionary(e => e.EventId, e => e.Data);
        Assert.All(resumed, e => Assert.Equal(seenOnA.GetValueOrDefault(e.EventId), e.Data));
        var overlapWithB = onA.Where(e => seenOnB.ContainsKey(e.EventId)).ToList();
        Assert.True(overlapWithB.Count >= 3, $"ids read on A {string.Join(",", onA.Select(e => e.EventId))}, B's witness from {seenOnB.Keys.Min()}");
        Assert.All(overlapWithB, e => Assert.Equal(seenOnB[e.EventId], e.Data));
        EventSequence.AssertWellFormed(witnessA, gapsAllowed: false);
        EventSequence.AssertWellFormed(witnessB, gapsAllowed: false);
    }

    [Fact]
    public async Task A_client_a_few_events_ahead_of_the_replica_it_reaches_gets_what_follows_with_no_reset()
    {
        // As a client coming from a replica that had read a little further: its Last-Event-ID is past this replica's newest.
        await using var set = await ReplicaSet.StartAsync(output, replicas: 1);
        var replica = set.Replicas[0];
        var ahead = (await set.WaitForMetricsAsync(replica, m => m.Long("last_event_id") >= 3, "three events")).Long("last_event_id") + 5;

        await using var stream = await SseConnection.OpenAsync(ReplicaSet.StreamUri(replica), ReplicaSet.Id(ahead));
        var events = await stream.ReadDataEventsAsync(3);

        Assert.Equal(SseConnection.ServiceRetry, events[0].Retry);
        Assert.Equal(Enumerable.Range(1, 3).Select(i => ahead + i), events.Select(e => e.EventId));
    }

    [Fact]
    public async Task Without_a_connection_string_the_log_is_in_memory_and_the_replica_alone()
    {
        await using var stack = await StreamingStack.StartAsync(output);
        var metrics = await stack.WaitForMetricsAsync(m => m.Long("last_event_id") > 0, "an event");

        Assert.Equal("memory", metrics.String("event_log"));
        Assert.Equal("single", metrics.String("role"));
        Assert.Equal(0, metrics.Long("log_lag"));
    }
}
