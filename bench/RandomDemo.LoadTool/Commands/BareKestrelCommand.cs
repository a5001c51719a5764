using System.Net;
using System.Text.Json.Serialization;
using Grpc.Net.Client;
using RandomDemo.Contracts;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// The ceiling for the gateway figure: Kestrel answering GET /random/number with the gateway's
/// JSON (query parsed, number drawn in-process), without the gRPC hop, telemetry or problem details.
/// With --generator URL the number comes from the generator over one plain GrpcChannel instead:
/// the gRPC hop and nothing else, which splits the gateway's cost into hop and pipeline.
/// </summary>
internal static partial class BareKestrelCommand
{
    public static readonly string[] Flags = ["port", "host", "generator"];

    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var port = commandLine.Int("port", null, 1, 65535);
        var host = commandLine.Choice("host", "127.0.0.1", "127.0.0.1", "localhost", "::1");
        var generator = commandLine.Has("generator") ? commandLine.LoopbackUrl("generator") : null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host), port));
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, BareJsonContext.Default));

        await using var app = builder.Build();
        using var channel = generator is null ? null : GrpcChannel.ForAddress(generator, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
        });
        if (channel is null)
        {
            app.MapGet("/random/number", (int? min, int? max) =>
            {
                var low = min ?? 1;
                var high = max ?? 100;
                return low > high
                    ? Results.BadRequest()
                    : Results.Ok(new BareNumber(Random.Shared.Next(low, high == int.MaxValue ? high : high + 1), low, high));
            });
        }
        else
        {
            var client = new RandomService.RandomServiceClient(channel);
            app.MapGet("/random/number", async (int? min, int? max, CancellationToken aborted) =>
            {
                var request = new NumberRequest { Min = min ?? 1, Max = max ?? 100 };
                var response = await client.GetRandomNumberAsync(request, deadline: DateTime.UtcNow + CallDeadline, cancellationToken: aborted);
                return Results.Ok(new BareNumber(response.Value, request.Min, request.Max));
            });
        }

        app.MapGet(HealthEndpoints.Health, () => Results.Ok(new BareHealth("ok")));

        await app.StartAsync(cancellation);
        Console.WriteLine($"bare-kestrel: listening on http://{host}:{port} (GET /random/number{(generator is null ? "" : $" from {generator}")}, {HealthEndpoints.Health}); Ctrl+C or SIGTERM stops");
        await app.WaitForShutdownAsync(cancellation);
        return 0;
    }

    internal sealed record BareNumber(
        [property: JsonPropertyName("number")] int Number,
        [property: JsonPropertyName("min")] int Min,
        [property: JsonPropertyName("max")] int Max);

    internal sealed record BareHealth([property: JsonPropertyName("status")] string Status);

    [JsonSerializable(typeof(BareNumber))]
    [JsonSerializable(typeof(BareHealth))]
    internal sealed partial class BareJsonContext : JsonSerializerContext;
}
