using Grpc.Core;
using RandomDemo.Contracts;

namespace RandomDemo.Generator.Services;

/// <summary>The RandomService of random.proto: numbers, strings and endless data streams.</summary>
internal sealed partial class RandomGeneratorService(
    GeneratorTelemetry telemetry,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<RandomGeneratorService> logger) : RandomService.RandomServiceBase
{
    private static long s_streamIds;

    public override Task<NumberResponse> GetRandomNumber(NumberRequest request, ServerCallContext context)
    {
        if (request.Min > request.Max)
        {
            throw InvalidArgument($"min ({request.Min}) must not be greater than max ({request.Max})");
        }

        return Task.FromResult(new NumberResponse { Value = RandomValues.Number(request.Min, request.Max) });
    }

    public override Task<StringResponse> GetRandomString(StringRequest request, ServerCallContext context)
    {
        if (request.Length is < RandomLimits.MinStringLength or > RandomLimits.MaxStringLength)
        {
            throw InvalidArgument($"length must be between {RandomLimits.MinStringLength} and {RandomLimits.MaxStringLength}, got {request.Length}");
        }

        var value = RandomValues.String(request.Length, request.IncludeDigits, request.IncludeSpecial);
        return Task.FromResult(new StringResponse { Value = value });
    }

    public override async Task StreamRandomData(StreamRequest request, IServerStreamWriter<DataPoint> responseStream, ServerCallContext context)
    {
        var shape = StreamShape.From(request);
        var streamId = Interlocked.Increment(ref s_streamIds);
        // Streams never end on their own: ending them when stopping begins lets Kestrel stop at once,
        // not after its shutdown timeout (or a container engine's kill).
        using var cancellationSource = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellation = cancellationSource.Token;
        long sequence = 0;

        telemetry.ActiveStreams.Add(1);
        LogStreamStarted(streamId, shape.DataType, shape.Frequency.TotalMilliseconds, request.HistorySize);
        try
        {
            // Back-filled history first: points as they would have been, one period apart.
            using (GeneratorTelemetry.ActivitySource.StartActivity("SendHistory")?.SetTag("randomdemo.history_size", request.HistorySize))
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                for (var i = request.HistorySize; i > 0; i--)
                {
                    await responseStream.WriteAsync(shape.NextPoint(++sequence, now - (i * (long)shape.Frequency.TotalMilliseconds)), cancellation);
                }
            }

            // Then live points, each stream on its own timer; the timer dies with the call.
            using var timer = new PeriodicTimer(shape.Frequency, time);
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                await responseStream.WriteAsync(shape.NextPoint(++sequence, time.GetUtcNow().ToUnixTimeMilliseconds()), cancellation);
                telemetry.PointsSent.Add(1);
            }
        }
        catch (Exception ex) when (cancellation.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away or the server is stopping: the normal end of an endless stream.
        }
        finally
        {
            telemetry.ActiveStreams.Add(-1);
            LogStreamEnded(streamId, sequence);
        }
    }

    private static RpcException InvalidArgument(string detail) => new(new Status(StatusCode.InvalidArgument, detail));

    /// <summary>A validated StreamRequest and how it turns into points.</summary>
    private sealed record StreamShape(DataType DataType, TimeSpan Frequency, int Min, int Max)
    {
        private static readonly Dictionary<DataType, string> Labels = new()
        {
            [DataType.Numeric] = "numeric",
            [DataType.Percentage] = "percentage",
            [DataType.Boolean] = "boolean",
        };

        public static StreamShape From(StreamRequest request)
        {
            if (!Enum.IsDefined(request.DataType))
            {
                throw InvalidArgument($"data_type {(int)request.DataType} is not one of NUMERIC, PERCENTAGE, BOOLEAN");
            }

            if (request.HistorySize is < 0 or > RandomLimits.MaxHistorySize)
            {
                throw InvalidArgument($"history_size must be between 0 and {RandomLimits.MaxHistorySize}, got {request.HistorySize}");
            }

            var (min, max) = request is { MinValue: 0, MaxValue: 0 }
                ? (StreamDefaults.NumericMin, StreamDefaults.NumericMax)
                : (request.MinValue, request.MaxValue);
            if (request.DataType == DataType.Numeric && min > max)
            {
                throw InvalidArgument($"min_value ({min}) must not be greater than max_value ({max})");
            }

            var frequencyMs = request.FrequencyMs > 0 ? request.FrequencyMs : StreamDefaults.FrequencyMs;
            return new StreamShape(request.DataType, TimeSpan.FromMilliseconds(frequencyMs), min, max);
        }

        public DataPoint NextPoint(long sequence, long timestamp)
        {
            var point = new DataPoint { Timestamp = timestamp, Sequence = sequence, Label = Labels[DataType], Series = "random" };
            switch (DataType)
            {
                case DataType.Numeric:
                    point.NumericValue = RandomValues.Number(Min, Max);
                    break;
                case DataType.Percentage:
                    point.FloatValue = RandomValues.Percentage();
                    break;
                default:
                    point.BooleanValue = RandomValues.Boolean();
                    break;
            }

            return point;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream {StreamId} started: {DataType} every {FrequencyMs} ms, {HistorySize} history points")]
    private partial void LogStreamStarted(long streamId, DataType dataType, double frequencyMs, int historySize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream {StreamId} ended after {Points} points")]
    private partial void LogStreamEnded(long streamId, long points);
}
