using Xunit.Abstractions;

namespace RandomDemo.Tests.Page;

/// <summary>
/// How the page counts and shows each kind of event, fed an exact script by <see cref="ScriptedEventStream"/>:
/// events with and without a value, a gap the server announces, a jump it does not, a reset, hostile text.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PageEventHandlingTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const string Script = """
        retry: 500

        id: 1
        event: data
        data: {"timestamp":1745000000000,"value":10,"sequence":1}

        id: 2
        event: data
        data: {"timestamp":1745000000200,"sequence":2}

        id: 3
        event: data
        data: {"timestamp":1745000000400,"value":30,"sequence":3}

        event: gap
        data: {"from":4,"to":6,"missed":3}

        id: 7
        event: data
        data: {"timestamp":1745000001200,"value":70,"sequence":7}

        id: 10
        event: data
        data: {"timestamp":1745000001800,"value":100,"sequence":10}

        event: reset
        data: {"last_event_id":"10","next_id":1,"reason":"<script>window.injected = 'reset'</script>"}

        id: 1
        event: data
        data: {"timestamp":1745000002000,"value":5,"sequence":1}

        id: 2
        event: data
        data: <img src=x onerror="window.injected = 'log'"><b>not json</b>

        id: 3
        data: {"timestamp":1745000002400,"value":0,"sequence":3}


        """;

    [Fact]
    public async Task Each_kind_of_event_is_counted_and_shown()
    {
        await using var server = ScriptedEventStream.Start(Script);
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(server.Url);
        await page.WaitForNumberAsync("stat-total", n => n == 8, "all eight data events are counted");

        Assert.Equal("open", await page.StateAsync());
        // Sequences 1,2,3,7,10 then 1,2,3 after the reset: eight data events, two of them without a value.
        Assert.Equal(8, await page.NumberAsync("stat-total"));
        Assert.Equal(6, await page.NumberAsync("stat-complete"));
        Assert.Equal(2, await page.NumberAsync("stat-incomplete"));
        // The announced gap (4-6) and the silent jump (8-9) are two gaps; the jump to 7 after the notice is not a third.
        Assert.Equal(2, await page.NumberAsync("stat-gaps"));
        Assert.Equal(5, await page.NumberAsync("stat-missed"));
        // The reset is shown and counted on its own; numbering from 1 again is neither a gap nor a warning.
        Assert.Equal(1, await page.NumberAsync("stat-resets"));
        Assert.Empty(await page.LogAsync("warn"));
        Assert.Equal(0, await page.NumberAsync("stat-reconnects"));
        Assert.Equal("0", await page.TextAsync("latest-value"));
        Assert.Equal(6, await page.ChartPointsAsync());

        var gaps = await page.LogAsync("gap");
        Assert.Contains(gaps, text => text.Contains("#4–#6", StringComparison.Ordinal) && text.Contains("3 events", StringComparison.Ordinal));
        Assert.Contains(gaps, text => text.Contains("from #7 to #10", StringComparison.Ordinal));
        var reset = Assert.Single(await page.LogAsync("reset"));
        Assert.Contains("#10", reset, StringComparison.Ordinal);

        // Server text is shown as text: the markup is visible and nothing of it ran or became an element.
        Assert.Contains("<script>window.injected", reset, StringComparison.Ordinal);
        Assert.Contains(await page.LogAsync("incomplete"), text => text.Contains("<img src=x", StringComparison.Ordinal));
        Assert.Equal(0, await page.Page.Locator("#log img, #log b, #log script").CountAsync());
        Assert.Null(await page.Page.EvaluateAsync<string?>("() => window.injected ?? null"));

        page.AssertOnlyLocalRequests();
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Dropped_connection_resumes_with_last_event_id()
    {
        await using var server = ScriptedEventStream.Start(DataFrames(1, 3, retry: true), DataFrames(4, 6, retry: false));
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(server.Url);
        await page.WaitForNumberAsync("latest-sequence", n => n == 6, "the events after the drop");

        // EventSource itself asked to resume after the last id it saw.
        Assert.Equal([null, "3"], server.LastEventIds);
        Assert.Equal(1, await page.NumberAsync("stat-reconnects"));
        Assert.Equal(6, await page.NumberAsync("stat-total"));
        Assert.Equal(0, await page.NumberAsync("stat-gaps"));
        Assert.Equal("open", await page.StateAsync());
        Assert.Contains(await page.LogAsync("state"), text => text.Contains("resumes after event #3", StringComparison.Ordinal));
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_silent_open_stream_is_pointed_out()
    {
        await using var server = ScriptedEventStream.Start(DataFrames(1, 1, retry: true));
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(server.Url);
        await page.WaitUntilAsync(async () => (await page.MessageAsync()).Contains("but no event for", StringComparison.Ordinal),
            "a warning that nothing arrives", TimeSpan.FromSeconds(20));
        Assert.Equal("open", await page.StateAsync());
        Assert.Contains("generator", await page.MessageAsync(), StringComparison.Ordinal);
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Log_is_newest_first_and_bounded()
    {
        await using var server = ScriptedEventStream.Start(DataFrames(1, 450, retry: false));
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(server.Url);
        await page.WaitForNumberAsync("stat-total", n => n == 450, "all 450 events are counted");

        var entries = await page.Page.Locator("#log li").CountAsync();
        Assert.Equal(200, entries);
        var data = await page.LogAsync("data");
        Assert.StartsWith("#450 ", data[0], StringComparison.Ordinal);
        Assert.StartsWith("#449 ", data[1], StringComparison.Ordinal);

        // The chart keeps the last N points, N taken from the page.
        await page.WaitUntilAsync(async () => await page.ChartPointsAsync() == 120, "the chart shows the default 120 points");
        await page.Page.GetByTestId("points").FillAsync("300");
        await page.Page.GetByTestId("points").DispatchEventAsync("change");
        await page.WaitUntilAsync(async () => await page.ChartPointsAsync() == 300, "the chart shows 300 points");

        page.AssertNoConsoleErrors();
    }

    /// <summary>Data events <paramref name="first"/>..<paramref name="last"/> as the streaming service writes them.</summary>
    private static string DataFrames(int first, int last, bool retry) =>
        (retry ? "retry: 500\n\n" : "") + string.Concat(Enumerable.Range(first, last - first + 1).Select(i =>
            $"id: {i}\nevent: data\ndata: {{\"timestamp\":{1745000000000 + (i * 200)},\"value\":{i % 101},\"sequence\":{i}}}\n\n"));
}
