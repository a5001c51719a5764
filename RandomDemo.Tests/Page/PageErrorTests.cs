using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Page;

/// <summary>EventSource says nothing about why it fails; the page must still tell the user something useful.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageErrorTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Theory]
    [InlineData("not a url", "is not a valid URL")]
    [InlineData("localhost:8085/stream", "http:// or https://")]
    [InlineData("ftp://127.0.0.1/stream", "http:// or https://")]
    [InlineData("   ", "Enter the stream URL")]
    public async Task Invalid_url_is_caught_at_connect(string url, string expected)
    {
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(url);

        await page.WaitUntilAsync(async () => (await page.MessageAsync()).Contains(expected, StringComparison.Ordinal),
            $"a message saying \"{expected}\"");
        Assert.Equal("closed", await page.StateAsync());
        Assert.Equal("true", await page.Page.GetByTestId("url").GetAttributeAsync("aria-invalid"));
        Assert.All(page.Requests, request => Assert.StartsWith("file://", request, StringComparison.Ordinal));
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Refused_connection_names_the_url_and_suggests_checking_the_service()
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}/stream";
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);
        using (page.ExpectStreamNetworkErrors(url))
        {
            await page.ConnectAsync(url);

            await page.WaitUntilAsync(async () => (await page.MessageAsync()).Contains("Cannot connect to " + url, StringComparison.Ordinal),
                "a message naming the refused URL", TimeSpan.FromSeconds(10));
            Assert.Contains("streaming service is running", await page.MessageAsync(), StringComparison.Ordinal);
            Assert.Equal("connecting", await page.StateAsync());
            Assert.NotEmpty(await page.LogAsync("error"));

            // It keeps trying (the service may come up) until told to stop.
            await page.DisconnectAsync();
            await page.WaitForStateAsync("closed");
        }

        page.AssertOnlyLocalRequests();
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_server_that_answers_without_an_event_stream_is_reported_with_its_status()
    {
        await using var server = ScriptedEventStream.StartFailing(404, "no such stream", "text/plain");
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.ConnectAsync(server.Url);

        await page.WaitForStateAsync("closed", TimeSpan.FromSeconds(10));
        await page.WaitUntilAsync(async () => (await page.MessageAsync()).Contains("HTTP 404", StringComparison.Ordinal),
            "a message with the HTTP status", TimeSpan.FromSeconds(10));
        var message = await page.MessageAsync();
        Assert.Contains(server.Url + " answered, but not with an event stream", message, StringComparison.Ordinal);
        Assert.Contains("text/plain", message, StringComparison.Ordinal);
        // Chromium logs the refused MIME type and the 404 as console errors here; that is the case under test.
        page.AssertOnlyLocalRequests();
    }
}
