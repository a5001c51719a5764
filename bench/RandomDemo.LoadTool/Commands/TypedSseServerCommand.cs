using System.Collections.Concurrent;
using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using RandomDemo.Contracts;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// The SSE server a .NET user would write instead of ours, for side-by-side figures: one upstream
/// gRPC stream, a bounded <see cref="Channel{T}"/> per client that the upstream loop writes every
/// point into, and <c>TypedResults.ServerSentEvents</c> reading it. Same wire format as ours
/// (<c>id</c>, <c>event: data</c>, the point's JSON), a first <c>connected</c> event carrying the
/// <c>retry</c> hint so that a client knows it is subscribed, and the /metrics fields the load tool reads.
/// Nothing else: no replay, no keep-alives, no limits.
/// </summary>
internal static partial class TypedSseServerCommand
{
    public static readonly string[] Flags = ["port", "generator", "frequency-ms", "queue"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var port = commandLine.Int("port", null, 1, 65535);
        var generator = commandLine.LoopbackUrl("generator");
        var frequencyMs = commandLine.Int("frequency-ms", 1000, 1, 60_000);
        var queue = commandLine.Int("queue", 256, 1, 100_000);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, TypedSseJsonContext.Default));

        await using var app = builder.Build();
        var hub = new ClientChannels(queue);
        app.MapGet("/stream", (CancellationToken aborted) => TypedResults.ServerSentEvents(hub.Subscribe(aborted)));
        app.MapGet("/metrics", () => TypedResults.Ok(hub.Metrics()));

        using var channel = GrpcChannel.ForAddress(generator);
        using var upstreamStop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var upstream = Task.Run(() => hub.ReadUpstreamAsync(new RandomService.RandomServiceClient(channel), frequencyMs, upstreamStop.Token), CancellationToken.None);

        await app.StartAsync(cancellation);
        Console.WriteLine($"typed-sse-server: listening on http://127.0.0.1:{port} (GET /stream, /metrics; upstream {generator} every {frequencyMs} ms); Ctrl+C or SIGTERM stops");
        await app.WaitForShutdownAsync(cancellation);
        await upstreamStop.CancelAsync();
        await upstream;
        return 0;
    }

    /// <summary>Every subscribed client's channel, and the loop that writes each upstream point into all of them.</summary>
    private sealed class ClientChannels(int queue)
    {
        private static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);

        private readonly ConcurrentDictionary<Channel<SseItem<PointJson?>>, bool> _clients = new();
        private long _lastEventId;
        private long _messagesSent;
        private long _dropped;

        public async IAsyncEnumerable<SseItem<PointJson?>> Subscribe([EnumeratorCancellation] CancellationToken aborted)
        {
            var channel = Channel.CreateBounded<SseItem<PointJson?>>(new BoundedChannelOptions(queue)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.DropOldest,
            }, _ => Interlocked.Increment(ref _dropped));
            _clients[channel] = true;
            try
            {
                yield return new SseItem<PointJson?>(null, "connected") { ReconnectionInterval = Retry };
                await foreach (var item in channel.Reader.ReadAllAsync(aborted))
                {
                    yield return item;
                    Interlocked.Increment(ref _messagesSent);
                }
            }
            finally
            {
                _clients.TryRemove(channel, out _);
            }
        }

        public MetricsJson Metrics() => new(_clients.Count, Interlocked.Read(ref _messagesSent), Interlocked.Read(ref _dropped), Interlocked.Read(ref _lastEventId));

        public async Task ReadUpstreamAsync(RandomService.RandomServiceClient client, int frequencyMs, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var call = client.StreamRandomData(new StreamRequest { FrequencyMs = frequencyMs }, cancellationToken: stop);
                    await foreach (var point in call.ResponseStream.ReadAllAsync(stop))
                    {
                        var id = Interlocked.Increment(ref _lastEventId);
                        var item = new SseItem<PointJson?>(new PointJson(point.Timestamp, point.NumericValue, id), "data") { EventId = id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                        foreach (var channel in _clients.Keys)
                        {
                            channel.Writer.TryWrite(item);
                        }
                    }
                }
                catch (RpcException) when (!stop.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    internal sealed record PointJson(
        [property: JsonPropertyName("timestamp")] long Timestamp,
        [property: JsonPropertyName("value")] int Value,
        [property: JsonPropertyName("sequence")] long Sequence);

    internal sealed record MetricsJson(
        [property: JsonPropertyName("clients")] int Clients,
        [property: JsonPropertyName("messages_sent")] long MessagesSent,
        [property: JsonPropertyName("clients_dropped")] long ClientsDropped,
        [property: JsonPropertyName("last_event_id")] long LastEventId);

    [JsonSerializable(typeof(PointJson))]
    [JsonSerializable(typeof(MetricsJson))]
    internal sealed partial class TypedSseJsonContext : JsonSerializerContext;
}
