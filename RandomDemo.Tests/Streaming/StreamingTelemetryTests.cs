using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

/// <summary>
/// The streaming service's own instruments, as its OTLP exporter sends them to a dashboard: the
/// names, units and kinds dashboards rely on, and the same counts as /metrics.
/// </summary>
public sealed class StreamingTelemetryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] Instruments =
    [
        "streaming.clients",
        "streaming.events.received",
        "streaming.events.sent",
        "streaming.upstream.reconnects",
        "streaming.clients.dropped",
        "streaming.fanout.pending",
        "streaming.fanout.duration",
        "streaming.log.lag",
    ];

    [Fact]
    public async Task Instruments_are_exported_with_stable_names_and_the_counts_of_metrics()
    {
        await using var receiver = new OtlpMetricsReceiver();
        await using var stack = await StreamingStack.StartAsync(output, streaming: receiver.ExporterEnvironment);

        int received;
        await using (var a = await stack.ConnectAsync())
        await using (var b = await stack.ConnectAsync())
        {
            await stack.WaitForMetricsAsync(m => m.Long("clients") == 2, "2 clients");
            var readA = a.ReadDataEventsAsync(20);
            var readB = b.ReadDataEventsAsync(20);
            received = (await readA).Count + (await readB).Count;
        }

        // Once both have left, every event queued to them has been flushed or released: no fan-out is left open.
        var quiet = await stack.WaitForMetricsAsync(m => m.Long("clients") == 0 && m.Long("fanouts_pending") == 0, "no clients and no open fan-out");
        var sent = quiet.Long("messages_sent");
        Assert.InRange(sent, received, long.MaxValue);

        // With no client, events.sent stays put; an export taken after the clients left shows exactly /metrics' count.
        // Points keep arriving: an export taken after that /metrics answer has received at least its last id
        // (one taken just before it, also with no clients, may not).
        var lastEventId = quiet.Long("last_event_id");
        var exported = await receiver.WaitForAsync(
            Instruments,
            m => m["streaming.clients"].Value == 0 && m["streaming.events.sent"].Value == sent && m["streaming.events.received"].Value >= lastEventId,
            ExportTimeout,
            $"an export with no clients, {sent} events sent and at least {lastEventId} received");

        Assert.All(exported.Values, metric => Assert.Equal("RandomDemo.Streaming", metric.Meter));
        AssertInstrument(exported, "streaming.clients", "updowncounter", "{client}");
        AssertInstrument(exported, "streaming.events.received", "counter", "{event}");
        AssertInstrument(exported, "streaming.events.sent", "counter", "{event}");
        AssertInstrument(exported, "streaming.upstream.reconnects", "counter", "{reconnect}");
        AssertInstrument(exported, "streaming.clients.dropped", "counter", "{client}");
        AssertInstrument(exported, "streaming.fanout.pending", "updowncounter", "{event}");
        AssertInstrument(exported, "streaming.fanout.duration", "histogram", "s");
        AssertInstrument(exported, "streaming.log.lag", "gauge", "{event}");

        Assert.Equal(0, exported["streaming.upstream.reconnects"].Value);
        Assert.Equal(0, exported["streaming.clients.dropped"].Value);
        Assert.Equal(0, exported["streaming.fanout.pending"].Value);
        Assert.Equal(0, exported["streaming.log.lag"].Value);

        // One fan-out per event that reached a client: at least the 20 each client read, at most every event published.
        var fanOut = exported["streaming.fanout.duration"].Histogram;
        Assert.NotNull(fanOut);
        output.WriteLine($"streaming.fanout.duration: {fanOut}");
        Assert.Equal([0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5], fanOut.Bounds);
        Assert.InRange(fanOut.Count, 20UL, (ulong)exported["streaming.events.received"].Value);
        Assert.Equal(fanOut.Count, (ulong)fanOut.BucketCounts.Sum(count => (decimal)count));
        Assert.True(fanOut.Sum > 0, $"fan-out durations sum to {fanOut.Sum} s");
    }

    private static void AssertInstrument(IReadOnlyDictionary<string, ExportedMetric> exported, string name, string kind, string unit)
    {
        var metric = exported[name];
        Assert.True(metric.Kind == kind && metric.Unit == unit, $"{name}: expected a {kind} in {unit}, got {metric}");
    }
}
