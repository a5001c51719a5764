using Aspire.Hosting.Testing;
using RandomDemo.Contracts;
using RandomDemo.Tests.AppHost;
using RandomDemo.Tests.Page;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Dashboard;

/// <summary>The streaming service's own instruments on the dashboard's Metrics page.</summary>
public sealed class DashboardMetricsTests(AppHostFixture app, ChromiumFixture chromium, ITestOutputHelper output)
    : AppHostCollectionTest(app, chromium, output)
{
    /// <summary>The streaming service's meter (its application name, which the service defaults export).</summary>
    private const string StreamingMeter = "RandomDemo.Streaming";

    /// <summary>The instruments of <see cref="StreamingMeter"/> that the Metrics page must list.</summary>
    private static readonly string[] StreamingInstruments =
    [
        "streaming.clients",
        "streaming.events.received",
        "streaming.events.sent",
        "streaming.upstream.reconnects",
        "streaming.clients.dropped",
        "streaming.fanout.duration",
    ];

    [Fact]
    public async Task Metrics_page_lists_the_streaming_services_own_instruments()
    {
        // One SSE client that has received an event, so that the client and fan-out instruments have moved.
        await using var stream = await SseConnection.OpenAsync(new Uri(Fixture.App.GetEndpoint(ServiceNames.Streaming, "http"), "/stream"));
        await stream.ReadDataEventAsync(DashboardPage.DefaultWait);

        await using var page = await DashboardPage.LogInAsync(Chromium.Browser, Fixture.LoginUrl, Output);
        await page.GotoAsync($"/metrics/resource/{ServiceNames.Streaming}");
        // Metrics are exported every second (OTEL_METRIC_EXPORT_INTERVAL); the tree grows as they arrive.
        var listed = await DashboardPage.PollAsync(
            () => page.MeterInstrumentsAsync(StreamingMeter),
            instruments => StreamingInstruments.All(instruments.Contains));
        await page.ScreenshotAsync("metrics-streaming");

        Assert.True(listed.Count > 0, $"The Metrics page lists no meter {StreamingMeter} for {ServiceNames.Streaming}.");
        Assert.Empty(StreamingInstruments.Except(listed));
    }
}
