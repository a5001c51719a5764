using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using RandomDemo.Contracts;
using RandomDemo.LoadTool.Cli;
using RandomDemo.LoadTool.Measurement;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// Drives the generator directly over one gRPC channel: closed-loop unary GetRandomNumber calls at
/// each concurrency, or that many StreamRandomData streams (points per second, point latency).
/// </summary>
internal static class GrpcCommand
{
    public static readonly string[] Flags = ["target", "mode", "concurrency", "duration", "warmup", "frequency-ms", "http2-connections", "server-pid"];

    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(5);

    /// <summary>How long after a level's end a stream may still take to deliver its next point.</summary>
    private static readonly TimeSpan StreamGrace = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var target = commandLine.LoopbackUrl("target");
        var mode = commandLine.Choice("mode", "unary", "unary", "stream");
        var levels = commandLine.IntList("concurrency", "16,64", 1, 5000);
        var duration = TimeSpan.FromSeconds(commandLine.Int("duration", 10, 1, 600));
        var warmup = TimeSpan.FromSeconds(commandLine.Int("warmup", 3, 0, 120));
        var frequencyMs = commandLine.Int("frequency-ms", 50, 1, 60_000);
        var multipleConnections = commandLine.Choice("http2-connections", "multiple", "multiple", "single") == "multiple";
        var serverPid = commandLine.ProcessId("server-pid");

        using var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = multipleConnections,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
        });
        var client = new RandomService.RandomServiceClient(channel);
        Console.WriteLine($"grpc {mode}: {target}, concurrency {string.Join(",", levels)}, {duration.TotalSeconds:F0} s each after {warmup.TotalSeconds:F0} s warm-up, "
            + $"{(multipleConnections ? "multiple" : "single")} HTTP/2 connection(s) (load average {ProcessSample.LoadAverage()})");

        var failures = 0L;
        foreach (var concurrency in levels)
        {
            if (warmup > TimeSpan.Zero)
            {
                await RunLevelAsync(client, mode, concurrency, warmup, frequencyMs, cancellation);
            }

            ProcessSample? serverStart = serverPid is { } pid ? ProcessSample.Take(pid) : null;
            var selfStart = ProcessSample.Self();
            var level = await RunLevelAsync(client, mode, concurrency, duration, frequencyMs, cancellation);
            var selfEnd = ProcessSample.Self();
            var serverCpu = serverPid is { } pid2 && serverStart is { } s ? $" server_cpu_pct={ProcessSample.CpuPercent(s, ProcessSample.Take(pid2)):F0}" : "";
            failures += level.Errors;

            var rate = level.Completed / level.Elapsed.TotalSeconds;
            Console.WriteLine($"concurrency {concurrency}: {level.Completed} {(mode == "unary" ? "calls" : "points")} in {level.Elapsed.TotalSeconds:F1} s = {rate:F0}/s, "
                + $"errors {level.Errors}{(level.FirstError is { } e ? $" (first: {e})" : "")}; latency {level.Latency.Summary()}");
            Console.WriteLine($"RESULT grpc mode={mode} concurrency={concurrency} rate={rate:F0} p50_ms={level.Latency.PercentileMs(0.5):F2} "
                + $"p99_ms={level.Latency.PercentileMs(0.99):F2} errors={level.Errors}{serverCpu} loadtool_cpu_pct={ProcessSample.CpuPercent(selfStart, selfEnd):F0}");
        }

        return failures == 0 ? 0 : 1;
    }

    private sealed record LevelResult(long Completed, long Errors, TimeSpan Elapsed, LatencyHistogram Latency, string? FirstError);

    private static async Task<LevelResult> RunLevelAsync(
        RandomService.RandomServiceClient client, string mode, int concurrency, TimeSpan duration, int frequencyMs, CancellationToken cancellation)
    {
        long completed = 0, errors = 0;
        string? firstError = null;
        var latency = new LatencyHistogram();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        stop.CancelAfter(duration);
        var window = TimeSpan.Zero;
        using var windowEnd = stop.Token.Register(() => window = clock.Elapsed);
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        silence.CancelAfter(duration + StreamGrace + TimeSpan.FromMilliseconds(frequencyMs));

        void Fail(RpcException error)
        {
            Interlocked.Increment(ref errors);
            Interlocked.CompareExchange(ref firstError, $"{error.StatusCode}: {error.Status.Detail}", null);
        }

        async Task UnaryWorkerAsync()
        {
            var request = new NumberRequest { Min = 1, Max = 100 };
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await client.GetRandomNumberAsync(request, deadline: DateTime.UtcNow + CallDeadline, cancellationToken: cancellation);
                    latency.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                    Interlocked.Increment(ref completed);
                }
                catch (RpcException error) when (!cancellation.IsCancellationRequested)
                {
                    Fail(error);
                }
            }
        }

        // A level ends when `stop` fires. A stream then finishes the read in flight (a point comes every
        // frequency-ms) and is disposed: none of its reads is aborted by the level's own end, so every
        // RpcException is a failure of the stream. A stream silent for the whole grace after the stop is
        // cancelled, which counts as an error too.
        async Task StreamWorkerAsync()
        {
            try
            {
                using var call = client.StreamRandomData(new StreamRequest { FrequencyMs = frequencyMs }, cancellationToken: cancellation);
                while (!stop.IsCancellationRequested)
                {
                    if (!await call.ResponseStream.MoveNext(silence.Token))
                    {
                        Fail(new RpcException(new Status(StatusCode.Unknown, "the server ended an endless stream")));
                        return;
                    }

                    if (!stop.IsCancellationRequested)
                    {
                        latency.Record(WallClock.NowMicros() - (call.ResponseStream.Current.Timestamp * 1000));
                        Interlocked.Increment(ref completed);
                    }
                }
            }
            catch (RpcException) when (cancellation.IsCancellationRequested)
            {
                // Interrupted (Ctrl+C): the level throws below.
            }
            catch (RpcException error)
            {
                Fail(error);
            }
        }

        Func<Task> worker = mode == "unary" ? UnaryWorkerAsync : StreamWorkerAsync;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(worker, CancellationToken.None)));
        cancellation.ThrowIfCancellationRequested();
        // Streams count points of the window only; unary calls count every call they started in it.
        return new LevelResult(completed, errors, mode == "unary" || window == TimeSpan.Zero ? clock.Elapsed : window, latency, firstError);
    }
}
