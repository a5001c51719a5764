using System.Diagnostics;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Streaming;

public sealed class UpstreamAndMetricsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Generator_crash_and_restart_keeps_clients_connected_and_ids_rising()
    {
        await using var stack = await StreamingStack.StartAsync(output);
        await using var stream = await stack.ConnectAsync();
        var before = await stream.ReadDataEventsAsync(5);
        Assert.Equal("connected", (await stack.GetJsonAsync(HealthEndpoints.Health)).String("upstream"));

        stack.KillGenerator();
        var health = await stack.WaitForJsonAsync(HealthEndpoints.Health, h => h.String("upstream") == "reconnecting", "upstream reconnecting");
        Assert.Equal("ok", health.String("status"));
        Assert.Equal(0, (await stack.GetMetricsAsync()).Long("upstream_reconnects"));

        await stack.RestartGeneratorAsync();
        await stack.WaitForMetricsAsync(m => m.Long("upstream_reconnects") >= 1 && m.String("upstream") == "connected", "the upstream re-established");
        Assert.Equal("connected", (await stack.GetJsonAsync(HealthEndpoints.Health)).String("upstream"));

        // The same connection carries on: events buffered before the crash, then new ones, no reset, no reuse.
        var after = await stream.ReadDataEventsAsync(30);
        var all = before.Concat(after).Select(e => e.EventId).ToList();
        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => all[0] + i), all);
        Assert.Equal(1, (await stack.GetMetricsAsync()).Long("upstream_reconnects"));
    }

    [Fact]
    public async Task Frozen_generator_is_detected_as_a_stalled_stream_and_reconnected()
    {
        // SIGSTOP keeps the connection open but silent: only the stall timeout (3 periods + 5 s) can notice.
        await using var stack = await StreamingStack.StartAsync(output);
        await using var stream = await stack.ConnectAsync();
        var before = await stream.ReadDataEventsAsync(5);

        using (stack.Generator.Freeze())
        {
            await stack.WaitForJsonAsync(HealthEndpoints.Health, h => h.String("upstream") == "reconnecting", "upstream reconnecting");
        }

        await stack.WaitForMetricsAsync(m => m.Long("upstream_reconnects") >= 1 && m.String("upstream") == "connected", "the upstream re-established");
        Assert.Contains(stack.Streaming.Output, line => line.Contains("Upstream stream stalled", StringComparison.Ordinal));
        var after = await stream.ReadDataEventsAsync(20);
        var all = before.Concat(after).Select(e => e.EventId).ToList();
        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => all[0] + i), all);
    }

    [Fact]
    public async Task Metrics_count_clients_events_sent_and_points_received()
    {
        var sinceBeforeStart = Stopwatch.StartNew();
        await using var stack = await StreamingStack.StartAsync(output);
        var start = await stack.GetMetricsAsync();
        Assert.Equal(0, start.Long("clients"));
        Assert.Equal(0, start.Long("messages_sent"));
        Assert.Equal(0, start.Long("clients_dropped"));
        Assert.Equal("connected", await WaitConnectedAsync(stack));

        long received;
        await using (var a = await stack.ConnectAsync())
        {
            await stack.WaitForMetricsAsync(m => m.Long("clients") == 1, "1 client");
            await using (var b = await stack.ConnectAsync())
            {
                await stack.WaitForMetricsAsync(m => m.Long("clients") == 2, "2 clients");
                var readA = a.ReadDataEventsAsync(20);
                var readB = b.ReadDataEventsAsync(20);
                received = (await readA).Count + (await readB).Count;
            }

            await stack.WaitForMetricsAsync(m => m.Long("clients") == 1, "back to 1 client");
        }

        var end = await stack.WaitForMetricsAsync(m => m.Long("clients") == 0, "no clients");

        // Each client's events count: two clients reading 20 each is at least 40, though only
        // about 20 distinct events were published meanwhile.
        Assert.InRange(end.Long("messages_sent"), received, 2 * end.Long("last_event_id"));
        Assert.True(end.Long("messages_received") > start.Long("messages_received"));
        Assert.True(end.Long("messages_received") >= end.Long("last_event_id"));
        Assert.Equal(0, end.Long("clients_dropped"));

        // Uptime is whole seconds since the service started: it grows with the clock, and is never
        // more than the time since before the process was launched.
        var later = await stack.WaitForMetricsAsync(m => m.Long("uptime") >= start.Long("uptime") + 2, "uptime two seconds on");
        Assert.True(later.Long("uptime") <= sinceBeforeStart.Elapsed.TotalSeconds, $"uptime {later.Long("uptime")} s, but the service was started {sinceBeforeStart.Elapsed.TotalSeconds:0.0} s ago");
    }

    [Fact]
    public async Task Shipped_client_limit_is_what_one_process_holds()
    {
        // One socket per client: the shipped limit leaves room under a process's open-files limit for its other files.
        await using var stack = await StreamingStack.StartAsync(output);

        Assert.Equal(19_000, (await stack.GetMetricsAsync()).Long("max_clients"));
    }

    private static async Task<string?> WaitConnectedAsync(StreamingStack stack) =>
        (await stack.WaitForMetricsAsync(m => m.String("upstream") == "connected", "upstream connected")).String("upstream");
}
