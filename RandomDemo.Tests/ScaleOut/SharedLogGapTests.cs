using Google.Protobuf;
using RandomDemo.Contracts;
using RandomDemo.Tests.Streaming;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// A replica whose shared log skips ids (entries it had not read were lost): live clients and
/// resuming ones are told exactly which ids are missing, once, and nothing else is skipped or repeated.
/// The skip is made by writing an entry further on into the real Redis stream, as a producer does.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class SharedLogGapTests(ITestOutputHelper output)
{
    private const int Skipped = 40;

    [Fact]
    public async Task Ids_the_log_skipped_reach_live_and_resuming_clients_as_one_gap_event()
    {
        await using var set = await ReplicaSet.StartAsync(output, replicas: 1);
        var stack = set.Stack;
        await stack.WaitForMetricsAsync(m => m.String("role") == "producer" && m.Long("last_event_id") >= 3, "the replica producing");
        await using var live = await stack.ConnectAsync();
        var before = await live.ReadDataEventAsync();

        var jumpedTo = await AppendFurtherOnAsync(set, Skipped);
        output.WriteLine($"entry {jumpedTo} written after {jumpedTo - Skipped - 1}");

        // The live client: consecutive ids up to the skip, one gap event naming the skipped ids, then the entry after it.
        var previous = before.EventId;
        SseEvent? gap = null;
        while (previous < jumpedTo)
        {
            var next = await live.ReadEventAsync();
            if (next.Type == "gap")
            {
                Assert.Null(gap);
                gap = next;
                continue;
            }

            if (!next.IsData)
            {
                continue;
            }

            var expected = gap is null ? previous + 1 : jumpedTo;
            Assert.True(next.EventId == expected, $"after {previous} (gap: {gap}) came {next}");
            previous = next.EventId;
        }

        Assert.NotNull(gap);
        AssertGap(gap, jumpedTo - Skipped, jumpedTo - 1);
        Assert.Equal(jumpedTo + 1, (await live.ReadDataEventAsync()).EventId);

        // Resuming from before the skip: the replay, the same gap once, then what follows.
        await using (var resumed = await stack.ConnectAsync((jumpedTo - Skipped - 3).ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            var events = await ReadUntilAsync(resumed, jumpedTo + 1);
            Assert.Equal([jumpedTo - Skipped - 2, jumpedTo - Skipped - 1, jumpedTo, jumpedTo + 1], events.Where(e => e.IsData).Select(e => e.EventId));
            AssertGap(Assert.Single(events, e => e.Type == "gap"), jumpedTo - Skipped, jumpedTo - 1);
        }

        // Resuming from inside the skip (a client of a replica that had read those ids): only what it lacks.
        await using (var inside = await stack.ConnectAsync((jumpedTo - 5).ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            var events = await ReadUntilAsync(inside, jumpedTo + 1);
            Assert.Equal([jumpedTo, jumpedTo + 1], events.Where(e => e.IsData).Select(e => e.EventId));
            AssertGap(Assert.Single(events, e => e.Type == "gap"), jumpedTo - 4, jumpedTo - 1);
        }
    }

    /// <summary>Writes an entry <paramref name="skip"/> ids past the newest and announces it, as the append script does; returns its id.</summary>
    private static async Task<long> AppendFurtherOnAsync(ReplicaSet set, int skip)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(set.Redis.ConnectionString);
        var database = redis.GetDatabase();
        var stream = $"{set.LogName}:events";

        // Reading the newest id and appending past it is one script: the replica keeps producing, and an
        // append of its own in between would make the skip one shorter than the test expects.
        const string appendPastNewest = """
            local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
            local id = tonumber(string.match(newest[1][1], '^(%d+)')) + tonumber(ARGV[1]) + 1
            redis.call('XADD', KEYS[1], id .. '-0', 'p', ARGV[2])
            return id
            """;
        var point = new DataPoint { NumericValue = 7, Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        var id = (long)await database.ScriptEvaluateAsync(appendPastNewest, [stream], [skip, point.ToByteArray()]);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(stream), id);
        return id;
    }

    private static async Task<List<SseEvent>> ReadUntilAsync(SseConnection connection, long lastId)
    {
        var events = new List<SseEvent>();
        while (events.LastOrDefault() is not { IsData: true } last || last.EventId < lastId)
        {
            events.Add(await connection.ReadEventAsync());
        }

        return events;
    }

    private static void AssertGap(SseEvent gap, long from, long to)
    {
        Assert.Equal(from, gap.Json.GetProperty("from").GetInt64());
        Assert.Equal(to, gap.Json.GetProperty("to").GetInt64());
        Assert.Equal(to - from + 1, gap.Json.GetProperty("missed").GetInt64());
    }
}
