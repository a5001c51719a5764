using RandomDemo.LoadTool.Baselines;
using RandomDemo.LoadTool.Commands;

namespace RandomDemo.LoadTool.Cli;

/// <summary>Picks the command, parses its flags, runs it; usage errors exit with code 2.</summary>
internal static class LoadToolCommands
{
    private sealed record Command(string Name, string[] Flags, string Help, Func<CommandLine, CancellationToken, Task<int>> Run);

    private static readonly Command[] Commands =
    [
        new("bare-kestrel", BareKestrelCommand.Flags, "--port N [--host 127.0.0.1] [--generator URL]: GET /random/number with the gateway's JSON, no gRPC hop (the ceiling); with --generator, one plain gRPC call per request", BareKestrelCommand.RunAsync),
        new("typed-sse-server", TypedSseServerCommand.Flags, "--port N --generator URL [--frequency-ms 1000] [--queue 256]: the SSE server a .NET user would write instead (TypedResults.ServerSentEvents, a Channel per client), for side-by-side figures", TypedSseServerCommand.RunAsync),
        new("socket-floor-server", SocketFloorServerCommand.Flags, "--port N --generator URL [--frequency-ms 1000] [--threads CORES]: the floor for SSE fan-out (plain sockets, one blocking send per client from one thread per core)", SocketFloorServerCommand.RunAsync),
        new("otlp-sink", OtlpSinkCommand.Flags, "--port N: an OTLP/HTTP receiver that drops every export (a service measured with its telemetry on)", OtlpSinkCommand.RunAsync),
        new("grpc", GrpcCommand.Flags, "--target URL [--mode unary|stream] [--concurrency 16,64] [--duration 10] [--warmup 3] [--frequency-ms 50] [--http2-connections multiple|single] [--server-pid PID]: drive the generator directly", GrpcCommand.RunAsync),
        new("sse", SseFanOutCommand.Flags, "--url URL/stream --clients N [--total-clients N] [--duration 10] [--server-pid PID] [--connect-parallel 200] [--settle 3] [--grace 5] [--connect-timeout 120]: hold N SSE clients, check order, latency, RSS, CPU", SseFanOutCommand.RunAsync),
        new("churn", ChurnCommand.Flags, "--url URL/stream [--cycles 100000] [--parallel 64] [--until data|retry] [--warmup 1000] [--server-pid PID] [--max-seconds 600] [--cycle-timeout 10] [--settle 10]: connect, read one event, disconnect", ChurnCommand.RunAsync),
        new("http-faults", HttpFaultsCommand.Flags, "--url URL --generator URL [--concurrency 64] [--duration 40] [--deadline-ms 2000]: closed-loop GETs while the generator fails; answers by kind, hangs, recovery after each outage", HttpFaultsCommand.RunAsync),
        new("sse-faults", SseFaultsCommand.Flags, "--url URL/stream --clients N [--duration 30] [--generator URL] [--reconnect-ms 250] [--connect-parallel 200] [--resets 0] [--disconnects none|some] [--failover-url URL] [--arrivals FILE]: EventSource-like clients while services fail; duplicates, holes, resets, resume times", SseFaultsCommand.RunAsync),
        new("runtime-stats", RuntimeStatsCommand.Flags, "--pid PID [--seconds 10] [--top 12]: bytes allocated, GCs and the top allocating types of a running .NET process (EventPipe)", RuntimeStatsCommand.RunAsync),
        new("heap-types", HeapTypesCommand.Flags, "--pid PID [--top 25] [--per N]: the live managed heap by type after an induced full GC (per N connections with --per)", HeapTypesCommand.RunAsync),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintUsage(args.Length == 0 ? Console.Error : Console.Out);
            return args.Length == 0 ? 2 : 0;
        }

        var command = Commands.FirstOrDefault(candidate => candidate.Name == args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"loadtool: unknown command '{args[0]}' (commands: {string.Join(", ", Commands.Select(c => c.Name))})");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        try
        {
            var commandLine = CommandLine.Parse(command.Name, args[1..], command.Flags);
            return await command.Run(commandLine, stop.Token);
        }
        catch (UsageException error)
        {
            Console.Error.WriteLine($"loadtool {command.Name}: {error.Message}");
            return 2;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine($"loadtool {command.Name}: interrupted");
            return 130;
        }
    }

    private static void PrintUsage(TextWriter output)
    {
        output.WriteLine("usage: loadtool COMMAND [--flag value ...]");
        foreach (var command in Commands)
        {
            output.WriteLine($"  {command.Name} {command.Help}");
        }
    }
}
