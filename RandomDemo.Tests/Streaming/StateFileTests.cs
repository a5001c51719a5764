using System.Globalization;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

public sealed class StateFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("randomdemo-streaming-").FullName;

    private string StateFile => Path.Combine(_directory, "state", "stream-state.json");

    [Fact]
    public async Task Graceful_restart_continues_ids_and_replays_across_it()
    {
        await using var stack = await StreamingStack.StartAsync(output, streaming: new Dictionary<string, string?>
        {
            ["Streaming__StateFile"] = StateFile,
        });
        long lastSeen;
        await using (var before = await stack.ConnectAsync())
        {
            lastSeen = (await before.ReadDataEventsAsync(5))[^1].EventId;
        }

        // Events the client misses while the service goes down and comes back.
        await stack.WaitForMetricsAsync(m => m.Long("last_event_id") >= lastSeen + 10, "10 more events");
        await using var open = await stack.ConnectAsync();
        await stack.Streaming.StopAsync();
        Assert.Contains(stack.Streaming.Output, line => line.Contains("Saved stream state", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<Exception>(async () => { while (true) { await open.ReadEventAsync(); } });
        Assert.True(File.Exists(StateFile));

        await stack.RestartStreamingAsync();
        Assert.Contains(stack.Streaming.Output, line => line.Contains("Loaded stream state", StringComparison.Ordinal));
        await using var after = await stack.ConnectAsync(lastSeen.ToString(CultureInfo.InvariantCulture));

        var resumed = await after.ReadDataEventsAsync(30);
        Assert.Equal(SseConnection.ServiceRetry, resumed[0].Retry);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => lastSeen + i), resumed.Select(e => e.EventId));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"last_event_id\":5}")]
    [InlineData("{\"last_event_id\":5,\"events\":[{\"id\":7,\"frame\":\"id: 7\\nevent: data\\ndata: {}\\n\\n\"}]}")]
    public async Task Unusable_state_file_is_a_warning_and_a_fresh_start(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StateFile)!);
        await File.WriteAllTextAsync(StateFile, content);

        await using var stack = await StreamingStack.StartAsync(output, streaming: new Dictionary<string, string?>
        {
            ["Streaming__StateFile"] = StateFile,
        });
        await using var stream = await stack.ConnectAsync("0");

        Assert.Contains(stack.Streaming.Output, line => line.StartsWith("warn", StringComparison.Ordinal) && line.Contains("cannot be used", StringComparison.Ordinal));
        var first = await stream.ReadDataEventAsync();
        Assert.Equal(SseConnection.ServiceRetry, first.Retry);
        Assert.Equal(1, first.EventId);
    }

    [Fact]
    public async Task State_file_that_cannot_be_written_is_an_error_line_at_start_and_the_service_runs()
    {
        // A regular file where the state's folder should be: no one can write there, root included.
        var blocker = Path.Combine(_directory, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "");

        await using var stack = await StreamingStack.StartAsync(output, streaming: new Dictionary<string, string?>
        {
            ["Streaming__StateFile"] = Path.Combine(blocker, "stream-state.json"),
        });
        await using var stream = await stack.ConnectAsync();
        await stream.ReadDataEventsAsync(3);

        Assert.Contains(stack.Streaming.Output, line => line.StartsWith("fail", StringComparison.Ordinal) && line.Contains("cannot be written", StringComparison.Ordinal));
        await stack.Streaming.StopAsync();
        Assert.Contains(stack.Streaming.Output, line => line.Contains("Could not save stream state", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
