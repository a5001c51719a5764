using System.Net;
using System.Text.Json;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

public sealed class ClientQueueTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Client_that_never_reads_is_dropped_and_others_miss_nothing()
    {
        // Loopback TCP buffers absorb megabytes, so the stalled client uses HTTP/2 on a second
        // endpoint: it never reads, so it never opens its flow-control window (64 KB) again, and
        // the server's writes to it stall after that much. A small response buffer does the rest. The
        // queue is what the reading client may fall behind while the test's processes compete for the
        // CPU (capacity × frequency of slack); the stalled client exceeds it a little later.
        var port = LoopbackPort.Free();
        var http2Port = LoopbackPort.Free();
        await using var stack = await StreamingStack.StartAsync(output, frequencyMs: 5, new Dictionary<string, string?>
        {
            ["Streaming__ClientQueueCapacity"] = "512",
            ["Kestrel__Limits__MaxResponseBufferSize"] = "4096",
            ["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel__Endpoints__h2c__Url"] = $"http://127.0.0.1:{http2Port}",
            ["Kestrel__Endpoints__h2c__Protocols"] = "Http2",
        }, streamingPort: port);
        await using var normal = await stack.ConnectAsync();
        var received = new List<long>();
        using var stopReading = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (!stopReading.IsCancellationRequested)
            {
                var id = (await normal.ReadDataEventAsync()).EventId;
                lock (received)
                {
                    received.Add(id);
                }
            }
        });

        using var stalledHttp = new HttpClient(new SocketsHttpHandler { InitialHttp2StreamWindowSize = 65535 })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var stalled = await stalledHttp.GetAsync(new Uri($"http://127.0.0.1:{http2Port}/stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stalled.StatusCode);
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 2, "both clients connected");

        // The dropped client leaves the list once its request has ended, a moment after the count.
        var afterDrop = await stack.WaitForMetricsAsync(m => m.Long("clients_dropped") >= 1 && m.Long("clients") <= 1, "the stalled client dropped and gone");
        Assert.Equal(1, afterDrop.Long("clients_dropped"));
        Assert.Equal(1, afterDrop.Long("clients"));

        // The normal client keeps going after the drop, and has every event in order.
        var lastIdAtDrop = afterDrop.Long("last_event_id");
        await Eventually.UntilAsync(
            () => { lock (received) { return received.Count > 0 ? received[^1] : 0; } },
            lastId => lastId > lastIdAtDrop + 20,
            StreamingStack.WaitTimeout,
            $"the normal client past event {lastIdAtDrop + 20}");
        await stopReading.CancelAsync();
        await reading;
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => received[0] + i), received);
        Assert.Equal(1, (await stack.GetMetricsAsync()).Long("clients"));

        // The dropped client gave up its share of every event it still held (queued or mid-flush):
        // once the other client has left too, no fan-out stays open.
        await normal.DisposeAsync();
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 0 && m.Long("fanouts_pending") == 0, "no clients and no open fan-out");
    }

    [Fact]
    public async Task Burst_after_the_service_was_paused_reaches_every_client_and_drops_none()
    {
        // While the process is stopped (as in a long GC pause or a starved VM), the generator's points
        // wait in the gRPC stream; on resume they arrive together, many more than a client's queue
        // capacity, and fan-out passes carry them in bunches. Clients that had flushed everything
        // are not slow: they must get the whole burst, in order, and none may be dropped.
        await using var stack = await StreamingStack.StartAsync(output, frequencyMs: 5, new Dictionary<string, string?>
        {
            ["Streaming__ClientQueueCapacity"] = "8",
        });
        var clients = new List<SseConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                clients.Add(await stack.ConnectAsync());
            }

            var firstIds = new List<long>();
            foreach (var client in clients)
            {
                firstIds.Add((await client.ReadDataEventAsync()).EventId);
            }

            var pausedAfter = (await stack.GetMetricsAsync()).Long("last_event_id");
            using (stack.Streaming.Freeze())
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }

            var resumed = await stack.WaitForMetricsAsync(m => m.Long("last_event_id") > pausedAfter + 50, $"the burst after event {pausedAfter} published");
            var target = resumed.Long("last_event_id") + 20;
            for (var i = 0; i < clients.Count; i++)
            {
                var expected = firstIds[i] + 1;
                while (expected <= target)
                {
                    Assert.Equal(expected, (await clients[i].ReadDataEventAsync()).EventId);
                    expected++;
                }
            }

            var metrics = await stack.GetMetricsAsync();
            Assert.Equal(0, metrics.Long("clients_dropped"));
            Assert.Equal(3, metrics.Long("clients"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Clients_beyond_the_limit_get_503_with_retry_after()
    {
        await using var stack = await StreamingStack.StartAsync(output, streaming: new Dictionary<string, string?>
        {
            ["Streaming__MaxClients"] = "1",
        });
        await using (var first = await stack.ConnectAsync())
        {
            await first.ReadDataEventAsync();

            var (http, response) = await SseConnection.SendAsync(stack.StreamUri);
            using (http)
            using (response)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(503, problem.GetProperty("status").GetInt32());
            }
        }

        // The slot is free again once the first client has gone.
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 0, "the first client gone");
        await using var next = await stack.ConnectAsync();
        await next.ReadDataEventAsync();
    }
}
