using System.Net;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Baselines;

/// <summary>
/// An OTLP/HTTP receiver that reads every export and drops it (200, an empty protobuf response), so
/// that a service can be measured exporting its telemetry as it does under the AppHost without a
/// dashboard's own work in the figures.
/// </summary>
internal static class OtlpSinkCommand
{
    public static readonly string[] Flags = ["port"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var port = commandLine.Int("port", null, 1, 65535);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

        await using var app = builder.Build();
        long exports = 0;
        app.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref exports);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapGet("/exports", () => Results.Ok(Interlocked.Read(ref exports)));

        await app.StartAsync(cancellation);
        Console.WriteLine($"otlp-sink: listening on http://127.0.0.1:{port} (POST /v1/traces|metrics|logs, dropped; GET /exports counts them); Ctrl+C or SIGTERM stops");
        await app.WaitForShutdownAsync(cancellation);
        return 0;
    }
}
