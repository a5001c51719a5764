using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

public sealed class ReplayTests(StreamingFixture fixture, ITestOutputHelper output) : IClassFixture<StreamingFixture>
{
    private StreamingStack Stack => fixture.Stack;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reconnect_with_last_event_id_gets_exactly_the_missed_events_then_live(bool asHeader)
    {
        // A witness that stays connected records what every id carried.
        await using var witness = await Stack.ConnectAsync();
        long lastId;
        await using (var first = await Stack.ConnectAsync())
        {
            lastId = (await first.ReadDataEventsAsync(5))[^1].EventId;
        }

        await Stack.WaitForMetricsAsync(m => m.Long("last_event_id") >= lastId + 10, "10 more events");
        await using var resumed = asHeader
            ? await Stack.ConnectAsync(lastId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : await SseConnection.OpenAsync(new Uri(Stack.StreamUri + "?lastEventId=" + lastId));

        var replayedAndLive = await resumed.ReadDataEventsAsync(20);
        Assert.Equal(SseConnection.ServiceRetry, replayedAndLive[0].Retry);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => lastId + i), replayedAndLive.Select(e => e.EventId));

        // Replayed events are the very events the witness got, not new ones.
        var witnessed = new Dictionary<long, string?>();
        while (witnessed.Count == 0 || witnessed.Keys.Max() < replayedAndLive[^1].EventId)
        {
            var block = await witness.ReadDataEventAsync();
            witnessed[block.EventId] = block.Data;
        }

        Assert.Contains(replayedAndLive, e => witnessed.ContainsKey(e.EventId));
        Assert.All(replayedAndLive.Where(e => witnessed.ContainsKey(e.EventId)), e => Assert.Equal(witnessed[e.EventId], e.Data));
    }

    [Fact]
    public async Task Unknown_future_id_gets_a_reset_event_then_live_from_next_id()
    {
        const long future = 1_000_000_000;
        await using var stream = await Stack.ConnectAsync(future.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var reset = await stream.ReadEventAsync();
        Assert.Equal(SseConnection.ServiceRetry, reset.Retry);
        Assert.Equal("reset", reset.Type);
        Assert.Null(reset.Id);
        Assert.Equal(future, reset.Json.GetProperty("last_event_id").GetInt64());
        Assert.Equal("unknown event id", reset.Json.GetProperty("reason").GetString());
        var nextId = reset.Json.GetProperty("next_id").GetInt64();
        Assert.InRange(nextId, 1, future);

        var live = await stream.ReadDataEventsAsync(5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => nextId + i), live.Select(e => e.EventId));
    }

    [Fact]
    public async Task Id_older_than_the_buffer_gets_a_gap_event_then_the_whole_buffer()
    {
        await using var stack = await StreamingStack.StartAsync(output, streaming: new Dictionary<string, string?>
        {
            ["Streaming__ReplayBufferSize"] = "5",
        });
        long lastId;
        await using (var first = await stack.ConnectAsync())
        {
            lastId = (await first.ReadDataEventAsync()).EventId;
        }

        await stack.WaitForMetricsAsync(m => m.Long("last_event_id") >= lastId + 20, "20 more events");
        await using var resumed = await stack.ConnectAsync(lastId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var gap = await resumed.ReadEventAsync();
        Assert.Equal(SseConnection.ServiceRetry, gap.Retry);
        Assert.Equal("gap", gap.Type);
        Assert.Null(gap.Id);
        var from = gap.Json.GetProperty("from").GetInt64();
        var to = gap.Json.GetProperty("to").GetInt64();
        Assert.Equal(lastId + 1, from);
        Assert.True(to >= lastId + 15, $"gap to {to} after last id {lastId} with 20 newer events and 5 kept");
        Assert.Equal(to - from + 1, gap.Json.GetProperty("missed").GetInt64());

        // Then the buffer (the 5 events after the gap) and live, with no hole.
        var next = await resumed.ReadDataEventsAsync(10);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => to + i), next.Select(e => e.EventId));
    }
}
