using System.Net;
using System.Text.Json.Serialization;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// The ceiling for the gateway figure: Kestrel answering GET /random/number with the gateway's
/// JSON (query parsed, number drawn in-process), without the gRPC hop, telemetry or problem details.
/// </summary>
internal static partial class BareKestrelCommand
{
    public static readonly string[] Flags = ["port", "host"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var port = commandLine.Int("port", null, 1, 65535);
        var host = commandLine.Choice("host", "127.0.0.1", "127.0.0.1", "localhost", "::1");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host), port));
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, BareJsonContext.Default));

        await using var app = builder.Build();
        app.MapGet("/random/number", (int? min, int? max) =>
        {
            var low = min ?? 1;
            var high = max ?? 100;
            return low > high
                ? Results.BadRequest()
                : Results.Ok(new BareNumber(Random.Shared.Next(low, high == int.MaxValue ? high : high + 1), low, high));
        });
        app.MapGet("/health", () => Results.Ok(new BareHealth("ok")));

        await app.StartAsync(cancellation);
        Console.WriteLine($"bare-kestrel: listening on http://{host}:{port} (GET /random/number, /health); Ctrl+C or SIGTERM stops");
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
