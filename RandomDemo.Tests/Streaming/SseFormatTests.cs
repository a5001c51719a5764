using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

public sealed class SseFormatTests(StreamingFixture fixture, ITestOutputHelper output) : IClassFixture<StreamingFixture>
{
    private StreamingStack Stack => fixture.Stack;

    [Fact]
    public async Task Stream_is_retry_once_then_data_events_with_consecutive_ids()
    {
        var stack = Stack;
        await using var stream = await SseConnection.OpenAsync(stack.StreamUri, headers: new Dictionary<string, string> { ["Origin"] = "null" });

        var response = stream.Response;
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Equal("no", Assert.Single(response.Headers.GetValues("X-Accel-Buffering")));
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));

        var events = await stream.ReadDataEventsAsync(20);
        Assert.Equal(SseConnection.ServiceRetry, events[0].Retry);
        foreach (var next in events)
        {
            Assert.Matches("^[1-9][0-9]*$", next.Id);
            var json = next.Json;
            Assert.Equal(["timestamp", "value", "sequence"], json.EnumerateObject().Select(p => p.Name));
            Assert.Equal(next.EventId, json.GetProperty("sequence").GetInt64());
            Assert.InRange(json.GetProperty("value").GetInt32(), 0, 100);
            var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(json.GetProperty("timestamp").GetInt64());
            Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        }

        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => events[0].EventId + i), events.Select(e => e.EventId));

        // The wire bytes: "retry" once at the very start, LF line ends, and each event exactly three
        // lines in this order (id, event, data; nothing else) with a blank line after it.
        var wire = stream.Wire.Text();
        Assert.StartsWith("retry: 3000\n\nid: ", wire, StringComparison.Ordinal);
        Assert.Equal(1, CountOccurrences(wire, "retry:"));
        Assert.DoesNotContain('\r', wire);
        Assert.All(events, next => Assert.Contains($"\n\nid: {next.Id}\nevent: data\ndata: {next.Data}\n\n", wire, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preflight_from_a_file_page_allows_get_and_last_event_id()
    {
        var stack = Stack;
        using var http = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, stack.StreamUri);
        preflight.Headers.Add("Origin", "null");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "last-event-id, cache-control");

        using var response = await http.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode, $"preflight answered {(int)response.StatusCode}");
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("GET", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        var allowedHeaders = response.Headers.GetValues("Access-Control-Allow-Headers").Single();
        Assert.Contains("Last-Event-ID", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Cache-Control", allowedHeaders, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Idle_stream_gets_keep_alive_comments()
    {
        // Upstream points every 5 s, keep-alive every 0.3 s: comments must come between points.
        await using var stack = await StreamingStack.StartAsync(output, frequencyMs: 5000, new Dictionary<string, string?>
        {
            ["Streaming__KeepAliveInterval"] = "00:00:00.300",
        });
        await using var stream = await stack.ConnectAsync();

        // Comments are no events to SseParser: this is read off the wire.
        var wire = await stream.ReadWireUntilAsync(text => Blocks(text).Count(block => block.StartsWith(':')) >= 3);
        Assert.StartsWith("retry: 3000\n\n", wire, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', wire);
        Assert.All(Blocks(wire).Where(block => block.StartsWith(':')), comment => Assert.Equal(": keep-alive", comment));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    public async Task Invalid_last_event_id_is_400_problem_naming_it(string lastEventId)
    {
        var stack = Stack;
        var viaHeader = SseConnection.SendAsync(stack.StreamUri, lastEventId);
        var viaQuery = SseConnection.SendAsync(new Uri(stack.StreamUri + "?lastEventId=" + Uri.EscapeDataString(lastEventId)));

        foreach (var (http, response) in await Task.WhenAll(viaHeader, viaQuery))
        {
            using (http)
            using (response)
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(400, problem.GetProperty("status").GetInt32());
                Assert.Contains("Last-Event-ID", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }
    }

    private static int CountOccurrences(string text, string value) => text.Split(value).Length - 1;

    /// <summary>The complete blocks of <paramref name="wire"/> (each ended by a blank line), without their line ends.</summary>
    private static string[] Blocks(string wire) => wire[..Math.Max(0, wire.LastIndexOf("\n\n", StringComparison.Ordinal))].Split("\n\n");
}
