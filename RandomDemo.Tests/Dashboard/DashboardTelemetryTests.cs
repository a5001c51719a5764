using Microsoft.Playwright;
using RandomDemo.Contracts;
using RandomDemo.Tests.AppHost;
using RandomDemo.Tests.Page;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Dashboard;

/// <summary>
/// Traces and structured logs that the services send to the dashboard's OTLP endpoint, read through
/// the dashboard's telemetry API and seen on its Traces and Structured logs pages.
/// </summary>
public sealed class DashboardTelemetryTests(AppHostFixture app, ChromiumFixture chromium, ITestOutputHelper output)
    : AppHostCollectionTest(app, chromium, output)
{
    [Fact]
    public async Task Gateway_request_reaches_the_dashboard_as_one_trace_of_gateway_and_generator_spans()
    {
        var traceId = await Fixture.RequestNumberAsync();

        // Each process exports its spans on its own schedule: wait for the gateway's two and the generator's one.
        var spans = await TelemetryApi.WaitForAsync(
            () => Fixture.DashboardApi.GetTraceAsync(traceId),
            spans => spans.Count(span => span.Service == ServiceNames.Gateway) == 2 && spans.Any(span => span.Service == ServiceNames.Generator),
            $"the gateway's and the generator's spans of trace {traceId}");

        Assert.All(spans, span => Assert.Equal(traceId.ToHexString(), span.TraceId));
        var server = Assert.Single(spans, span => span.Service == ServiceNames.Gateway && span.Name == "GET /random/number");
        var client = Assert.Single(spans, span => span.Service == ServiceNames.Gateway && span.ParentSpanId == server.SpanId);
        var generator = Assert.Single(spans, span => span.Service == ServiceNames.Generator);
        // The generator's server span continues the gateway's gRPC client span: one trace across both processes.
        Assert.Equal(client.SpanId, generator.ParentSpanId);
        Assert.Equal("POST /random.RandomService/GetRandomNumber", generator.Name);
    }

    [Fact]
    public async Task Traces_page_shows_the_request_with_spans_of_gateway_and_generator()
    {
        var traceId = (await Fixture.RequestNumberAsync()).ToHexString();
        await using var page = await DashboardPage.LogInAsync(Chromium.Browser, Fixture.LoginUrl, Output);

        await page.GotoAsync("/traces");
        // A trace's row reads "gateway: GET /random/number 1a51fd5", then the span count of each resource.
        var row = page.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = traceId[..7] });
        await page.WaitUntilAsync(
            async () => await row.CountAsync() == 1 && await row.InnerTextAsync() is var text
                && text.Contains("gateway: GET /random/number", StringComparison.Ordinal)
                && text.Contains($"{ServiceNames.Generator} (1)", StringComparison.Ordinal),
            $"trace {traceId} listed with gateway and generator spans");

        await row.GetByText("gateway: GET /random/number").ClickAsync();
        await page.WaitForPathAsync($"/traces/detail/{traceId}");
        IReadOnlyList<string> spans = [];
        await page.WaitUntilAsync(async () => (spans = await page.TraceDetailSpansAsync()).Count == 3, $"the three spans of trace {traceId}");
        await page.ScreenshotAsync("trace-detail");
        Assert.Equal(
            ["gateway: GET /random/number", "gateway: random.RandomService/GetRandomNumber", "generator: POST /random.RandomService/GetRandomNumber"],
            spans);
    }

    [Fact]
    public async Task Gateway_logs_written_during_a_request_carry_its_trace_id()
    {
        var traceId = await Fixture.RequestNumberAsync();

        var logs = await TelemetryApi.WaitForAsync(
            () => Fixture.DashboardApi.GetLogsAsync(ServiceNames.Gateway, traceId),
            logs => logs.Any(log => log.Message.StartsWith("Request finished", StringComparison.Ordinal)),
            $"the gateway's log of request {traceId}");

        Assert.All(logs, log => Assert.Equal(traceId.ToHexString(), log.TraceId));
        Assert.Contains(logs, log => log.Message.StartsWith("Request starting HTTP/1.1 GET", StringComparison.Ordinal)
            && log.Message.Contains("/random/number", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Structured_logs_page_links_a_gateway_log_to_its_trace()
    {
        var traceId = (await Fixture.RequestNumberAsync()).ToHexString();
        await using var page = await DashboardPage.LogInAsync(Chromium.Browser, Fixture.LoginUrl, Output);

        await page.GotoAsync($"/structuredlogs/resource/{ServiceNames.Gateway}");
        // The Trace column links each record written within a trace to that trace's detail.
        var traceLinks = page.Page.Locator($"a[href^='/traces/detail/{traceId}']");
        await page.WaitUntilAsync(async () => await traceLinks.CountAsync() >= 2, $"links to trace {traceId} on the gateway's request logs");
        await page.ScreenshotAsync("structured-logs");
        Assert.Equal(traceId[..7], (await traceLinks.First.InnerTextAsync()).Trim());

        await traceLinks.First.ClickAsync();
        await page.WaitForPathAsync($"/traces/detail/{traceId}");
        await page.WaitUntilAsync(async () => (await page.TextAsync()).Contains("gateway: GET /random/number", StringComparison.Ordinal),
            $"the detail of trace {traceId}");
    }
}
