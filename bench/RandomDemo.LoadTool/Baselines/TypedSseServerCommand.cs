using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RandomDemo.Contracts;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Baselines;

/// <summary>
/// The SSE server a .NET user would write instead of ours, for side-by-side figures: one upstream
/// gRPC stream, a bounded <see cref="Channel{T}"/> per client that the upstream loop writes every
/// point into, and <c>TypedResults.ServerSentEvents</c> reading it. Same wire format as ours
/// (<c>id</c>, <c>event: data</c>, the point's JSON), a first <c>connected</c> event carrying the
/// <c>retry</c> hint so that a client knows it is subscribed, and the /metrics fields the load tool
/// reads. Nothing else: no replay, no keep-alives, no limits. It records no in-service fan-out time:
/// its flush hands the bytes to Kestrel's output pipe and the send happens later on another thread,
/// so only what the clients measure compares with the service.
/// </summary>
internal static class TypedSseServerCommand
{
    public static readonly string[] Flags = ["port", "generator", "frequency-ms", "queue"];

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var port = commandLine.Int("port", null, 1, 65535);
        var generator = commandLine.LoopbackUrl("generator");
        var frequencyMs = commandLine.Int("frequency-ms", 1000, 1, 60_000);
        var queue = commandLine.Int("queue", 256, 1, 100_000);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJsonContext.Default));

        await using var app = builder.Build();
        using var upstream = new BaselineUpstream(generator, frequencyMs);
        var clients = new ConcurrentDictionary<Channel<SseItem<PointJson?>>, bool>();

        async IAsyncEnumerable<SseItem<PointJson?>> Subscribe([EnumeratorCancellation] CancellationToken aborted)
        {
            var channel = Channel.CreateBounded<SseItem<PointJson?>>(
                new BoundedChannelOptions(queue) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
                _ => upstream.CountDropped());
            clients[channel] = true;
            upstream.ClientJoined();
            try
            {
                yield return new SseItem<PointJson?>(null, "connected") { ReconnectionInterval = Retry };
                await foreach (var item in channel.Reader.ReadAllAsync(aborted))
                {
                    yield return item;
                    upstream.CountSent();
                }
            }
            finally
            {
                clients.TryRemove(channel, out _);
                upstream.ClientLeft();
            }
        }

        app.MapGet("/stream", (CancellationToken aborted) => TypedResults.ServerSentEvents(Subscribe(aborted)));
        app.MapGet("/metrics", () => TypedResults.Ok(upstream.Metrics()));

        using var stopUpstream = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var reading = Task.Run(() => upstream.ReadAsync((id, point, _) =>
        {
            var item = new SseItem<PointJson?>(new PointJson(point.Timestamp, point.NumericValue, id), "data") { EventId = id.ToString(CultureInfo.InvariantCulture) };
            foreach (var channel in clients.Keys)
            {
                channel.Writer.TryWrite(item);
            }
        }, stopUpstream.Token), CancellationToken.None);

        await app.StartAsync(cancellation);
        Console.WriteLine($"typed-sse-server: listening on http://127.0.0.1:{port} (GET /stream, /metrics; upstream {generator} every {frequencyMs} ms); Ctrl+C or SIGTERM stops");
        await app.WaitForShutdownAsync(cancellation);
        await stopUpstream.CancelAsync();
        await reading;
        return 0;
    }
}
