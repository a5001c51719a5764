using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

/// <summary>Faults of the streaming service's neighbours and of itself, with real processes and signals.</summary>
public sealed partial class StreamingFaultTests(ITestOutputHelper output)
{
    /// <summary>Upstream:MaxBackoff's default: no wait between attempts is longer.</summary>
    private const double DefaultMaxBackoffMs = 500;

    [Fact]
    public async Task During_a_generator_outage_attempts_are_at_most_the_default_cap_apart_and_events_resume_after_it()
    {
        // The service's own backoff defaults, not the stack's test settings.
        await using var stack = await StreamingStack.StartAsync(output, streaming: new Dictionary<string, string?>
        {
            ["Upstream__InitialBackoff"] = null,
            ["Upstream__MaxBackoff"] = null,
        });
        await using var stream = await stack.ConnectAsync();
        var before = await stream.ReadDataEventsAsync(3);

        stack.KillGenerator();
        // Enough attempts for the doubling to pass any cap under 8 s (250 ms * 2^5).
        await stack.Streaming.WaitForLinesAsync(line => RetryDelay().IsMatch(line), 8, "reconnect attempts", StreamingStack.WaitTimeout);
        await stack.RestartGeneratorAsync();

        var after = await stream.ReadDataEventsAsync(5, StreamingStack.WaitTimeout);
        var delays = stack.Streaming.Output.Select(line => RetryDelay().Match(line)).Where(m => m.Success)
            .Select(m => double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.All(delays, delay => Assert.InRange(delay, 0, DefaultMaxBackoffMs));
        Assert.Equal(before[^1].EventId + 1, after[0].EventId);
    }

    [Fact]
    public async Task After_a_crash_of_the_streaming_service_a_resuming_client_gets_one_reset_then_every_event()
    {
        await using var stack = await StreamingStack.StartAsync(output);
        long lastSeen;
        await using (var before = await stack.ConnectAsync())
        {
            lastSeen = (await before.ReadDataEventsAsync(10))[^1].EventId;
        }

        // The generator is frozen until the client is back, so the restarted service cannot have
        // published as far as lastSeen by then however slowly the client reconnects.
        SseConnection resumed;
        using (stack.Generator.Freeze())
        {
            stack.Streaming.Kill();
            await stack.RestartStreamingAsync();
            resumed = await stack.ConnectAsync(lastSeen.ToString(CultureInfo.InvariantCulture));
        }

        await using var _ = resumed;
        var reset = await resumed.ReadEventAsync();
        Assert.Equal(SseConnection.ServiceRetry, reset.Retry);
        Assert.Equal("reset", reset.Type);
        var nextId = reset.Json.GetProperty("next_id").GetInt64();
        // Then live events from next_id on, each once, no second notice (ReadDataEventAsync fails on any).
        var live = await resumed.ReadDataEventsAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => nextId + i), live.Select(e => e.EventId));
    }

    [GeneratedRegex(@"Upstream \w+: next attempt in (?<ms>\d+) ms")]
    private static partial Regex RetryDelay();
}
