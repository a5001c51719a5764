using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using Grpc.Core;
using Grpc.Net.Client;
using RandomDemo.Contracts;

namespace RandomDemo.LoadTool.Baselines;

/// <summary>
/// What the baseline SSE servers share with each other: the one upstream gRPC stream (opened again
/// after a break), event ids counted from 1, the /metrics fields the load tool reads, and the fan-out
/// time (for a baseline that sends on its own threads) recorded under the streaming service's own
/// meter and instrument name, so that the load tool's in-service histogram reads it as it reads the service.
/// </summary>
internal sealed class BaselineUpstream : IDisposable
{
    private static readonly Meter Meter = new("RandomDemo.Streaming");
    private static readonly Histogram<double> FanOutDuration = Meter.CreateHistogram<double>("streaming.fanout.duration", "s");

    private readonly GrpcChannel _channel;
    private readonly int _frequencyMs;
    private long _lastEventId;
    private long _messagesSent;
    private long _dropped;
    private int _clients;

    public BaselineUpstream(Uri generator, int frequencyMs)
    {
        _channel = GrpcChannel.ForAddress(generator);
        _frequencyMs = frequencyMs;
    }

    public static void RecordFanOut(long startedAt) => FanOutDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);

    public void ClientJoined() => Interlocked.Increment(ref _clients);

    public void ClientLeft() => Interlocked.Decrement(ref _clients);

    public void CountSent() => Interlocked.Increment(ref _messagesSent);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    public BaselineMetrics Metrics() => new(Volatile.Read(ref _clients), Interlocked.Read(ref _messagesSent), Interlocked.Read(ref _dropped), Interlocked.Read(ref _lastEventId));

    /// <summary>Reads points until <paramref name="stop"/>, handing each with its event id and its arrival time (a <see cref="Stopwatch"/> timestamp).</summary>
    public async Task ReadAsync(Action<long, DataPoint, long> onPoint, CancellationToken stop)
    {
        var client = new RandomService.RandomServiceClient(_channel);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = client.StreamRandomData(new StreamRequest { FrequencyMs = _frequencyMs }, cancellationToken: stop);
                await foreach (var point in call.ResponseStream.ReadAllAsync(stop))
                {
                    onPoint(Interlocked.Increment(ref _lastEventId), point, Stopwatch.GetTimestamp());
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

    public void Dispose() => _channel.Dispose();
}

/// <summary>The point as /stream's data line carries it.</summary>
internal sealed record PointJson(
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("value")] int Value,
    [property: JsonPropertyName("sequence")] long Sequence);

/// <summary>The /metrics fields the load tool reads.</summary>
internal sealed record BaselineMetrics(
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("messages_sent")] long MessagesSent,
    [property: JsonPropertyName("clients_dropped")] long ClientsDropped,
    [property: JsonPropertyName("last_event_id")] long LastEventId);

[JsonSerializable(typeof(PointJson))]
[JsonSerializable(typeof(BaselineMetrics))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
