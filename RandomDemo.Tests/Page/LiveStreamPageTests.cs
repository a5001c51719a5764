using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Page;

/// <summary>
/// The page against a real generator and a real streaming service, paced for tests: an event every
/// 200 ms, and browsers told to retry after 500 ms.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveStreamPageTests(ChromiumFixture chromium, ITestOutputHelper output) : IDisposable
{
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("randomdemo-page-").FullName;

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [Fact]
    public async Task Connect_shows_live_values_and_disconnect_stops_them()
    {
        await using var stack = await StartStackAsync();
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(StreamUrl(stack));

        await page.WaitForStateAsync("open");
        await page.WaitForNumberAsync("stat-total", n => n >= 5, "five events counted");
        await page.WaitUntilAsync(async () => await page.ChartPointsAsync() >= 5, "five points drawn");
        Assert.InRange(await page.NumberAsync("latest-value"), 0, 100);
        Assert.True(await page.NumberAsync("latest-sequence") >= 1);
        var counts = await page.NumbersAsync("stat-total", "stat-complete", "stat-incomplete");
        Assert.Equal(counts[0], counts[1]);
        Assert.Equal(0, counts[2]);
        Assert.Equal(0, await page.NumberAsync("stat-gaps"));
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 1, "the page as one client");

        await page.DisconnectAsync();

        await page.WaitForStateAsync("closed");
        var total = await page.NumberAsync("stat-total");
        // Ten event intervals of silence: a page that still listened would have counted more.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(total, await page.NumberAsync("stat-total"));
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 0, "no client");

        page.AssertOnlyLocalRequests();
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Graceful_restart_with_state_file_resumes_without_a_gap()
    {
        await using var stack = await StartStackAsync(withStateFile: true);
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);
        await page.ConnectAsync(StreamUrl(stack));
        await page.WaitForNumberAsync("stat-total", n => n >= 5, "five events counted");

        long totalBeforeRestart;
        long sequenceBeforeRestart;
        // Between stop and start, every reconnection attempt is refused and Chromium logs each as a console error.
        using (page.ExpectStreamNetworkErrors(StreamUrl(stack)))
        {
            await stack.Streaming.StopAsync();
            await page.WaitForStateAsync("reconnecting");
            totalBeforeRestart = await page.NumberAsync("stat-total");
            sequenceBeforeRestart = await page.NumberAsync("latest-sequence");
            Assert.Contains("lost", await page.MessageAsync(), StringComparison.Ordinal);

            await stack.RestartStreamingAsync();
            await page.WaitForStateAsync("open");
        }

        await page.WaitForNumberAsync("stat-total", n => n >= totalBeforeRestart + 5, "five more events after the restart");
        Assert.True(await page.NumberAsync("stat-reconnects") >= 1);
        Assert.Equal(0, await page.NumberAsync("stat-gaps"));
        Assert.Equal(0, await page.NumberAsync("stat-resets"));
        Assert.True(await page.NumberAsync("latest-sequence") > sequenceBeforeRestart);
        Assert.Contains(await page.LogAsync("state"), text => text.StartsWith("Reconnected", StringComparison.Ordinal));
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 1, "the page as a client of the new process");
        await page.ScreenshotAsync("page-after-restart");

        await page.DisconnectAsync();
        page.AssertOnlyLocalRequests();
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Restart_without_state_is_shown_as_a_reset_not_a_gap()
    {
        await using var stack = await StartStackAsync(withStateFile: false);
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);
        await page.ConnectAsync(StreamUrl(stack));
        await page.WaitForNumberAsync("latest-sequence", n => n >= 10, "ten events counted");

        using (page.ExpectStreamNetworkErrors(StreamUrl(stack)))
        {
            // The generator is frozen until the page is back, so the restarted service cannot have
            // published as far as the page's last id by then, however slowly the page reconnects.
            using (stack.Generator.Freeze())
            {
                await stack.Streaming.StopAsync();
                await page.WaitForStateAsync("reconnecting");
                await stack.RestartStreamingAsync();
                await page.WaitForNumberAsync("stat-resets", n => n == 1, "the reset is counted");
            }
        }

        var totalAfterReset = await page.NumberAsync("stat-total");
        await page.WaitForNumberAsync("stat-total", n => n >= totalAfterReset + 3, "events keep coming after the reset");
        Assert.Equal(0, await page.NumberAsync("stat-gaps"));
        Assert.Contains("unknown event id", Assert.Single(await page.LogAsync("reset")), StringComparison.Ordinal);
        Assert.DoesNotContain(await page.LogAsync("warn"), text => text.StartsWith("Sequence went back", StringComparison.Ordinal));

        await page.DisconnectAsync();
        page.AssertOnlyLocalRequests();
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Gap_the_replay_buffer_no_longer_covers_is_shown_and_counted()
    {
        await using var stack = await StartStackAsync(extra: new() { ["Streaming__ReplayBufferSize"] = "5" });
        await stack.WaitForMetricsAsync(m => m.Long("last_event_id") >= 20, "twenty events published");
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        // Resuming after event 1 (the query form of Last-Event-ID): events 2.. have left the 5-event buffer.
        await page.ConnectAsync(StreamUrl(stack) + "?lastEventId=1");

        await page.WaitForNumberAsync("stat-gaps", n => n == 1, "the gap is counted");
        await page.WaitForNumberAsync("stat-total", n => n >= 10, "the replay and live events after it");
        var gap = Assert.Single(await page.LogAsync("gap"));
        Assert.StartsWith("Server could not replay #2–#", gap, StringComparison.Ordinal);
        Assert.True(await page.NumberAsync("stat-missed") >= 14);
        // The replay that follows the notice continues without a second gap.
        Assert.Equal(1, await page.NumberAsync("stat-gaps"));
        Assert.Equal(0, await page.NumberAsync("stat-resets"));

        await page.DisconnectAsync();
        page.AssertOnlyLocalRequests();
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Client_limit_refusal_is_reported_with_its_status()
    {
        await using var stack = await StartStackAsync(extra: new() { ["Streaming__MaxClients"] = "1" });
        await using var first = await StreamClientPage.OpenAsync(chromium.Browser, output);
        await first.ConnectAsync(StreamUrl(stack));
        await first.WaitForStateAsync("open");
        await using var second = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await second.ConnectAsync(StreamUrl(stack));

        await second.WaitForStateAsync("closed");
        await second.WaitUntilAsync(async () => (await second.MessageAsync()).Contains("HTTP 503", StringComparison.Ordinal),
            "a message with the status");
        Assert.Contains("client limit", await second.MessageAsync(), StringComparison.Ordinal);
        // Chromium logs the refused stream and the 503 as console errors in the second page: the case under test.
        second.AssertOnlyLocalRequests();
        Assert.Equal("open", await first.StateAsync());
        first.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Layout_fits_a_laptop_and_a_phone_width()
    {
        await using var stack = await StartStackAsync();
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output, width: 1366, height: 900);
        await page.ConnectAsync(StreamUrl(stack));
        await page.WaitUntilAsync(async () => await page.ChartPointsAsync() >= 25, "a chart of 25 points");

        await page.ScreenshotAsync("page-laptop-1366");
        Assert.Equal(0, await HorizontalOverflowAsync(page));

        await page.Page.SetViewportSizeAsync(375, 812);
        await page.WaitUntilAsync(async () => await page.ChartPointsAsync() >= 30, "the chart redrawn at phone width");
        Assert.Equal(0, await HorizontalOverflowAsync(page));
        // Every control stays inside the screen.
        foreach (var testId in new[] { "url", "connect", "disconnect", "state", "chart", "log", "stat-resets" })
        {
            var box = await page.Page.GetByTestId(testId).BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X >= 0 && box.X + box.Width <= 375, $"{testId} spans {box.X}..{box.X + box.Width} on a 375 px screen");
        }

        await page.ScreenshotAsync("page-phone-375");
        await page.DisconnectAsync();

        // Long error messages with a long URL wrap instead of widening the page.
        var refused = $"http://127.0.0.1:{LoopbackPort.Free()}/a/rather/long/path/to/a/stream/that/is/not/there?with=query&and=more";
        using (page.ExpectStreamNetworkErrors(refused))
        {
            await page.ConnectAsync(refused);
            await page.WaitUntilAsync(async () => (await page.MessageAsync()).StartsWith("Cannot connect", StringComparison.Ordinal), "the refusal message");
            Assert.Equal(0, await HorizontalOverflowAsync(page));
            await page.ScreenshotAsync("page-phone-375-refused");
            await page.DisconnectAsync();
        }

        page.AssertNoConsoleErrors();
    }

    private static string StreamUrl(StreamingStack stack) => stack.StreamUri.AbsoluteUri;

    private Task<StreamingStack> StartStackAsync(bool withStateFile = false, Dictionary<string, string?>? extra = null)
    {
        var streaming = new Dictionary<string, string?> { ["Streaming__RetryMilliseconds"] = "500" };
        if (withStateFile)
        {
            streaming["Streaming__StateFile"] = Path.Combine(_stateDirectory, "stream-state.json");
        }

        foreach (var (key, value) in extra ?? [])
        {
            streaming[key] = value;
        }

        return StreamingStack.StartAsync(output, frequencyMs: 200, streaming);
    }

    /// <summary>Pixels by which the document is wider than the window (0 when nothing scrolls sideways).</summary>
    private static Task<int> HorizontalOverflowAsync(StreamClientPage page) =>
        page.Page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");
}
