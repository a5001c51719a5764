using Grpc.Core;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Generator;

public sealed class GeneratorStreamTests(GeneratorFixture generator) : IClassFixture<GeneratorFixture>
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task History_comes_first_then_live_points_with_sequences_from_one()
    {
        var points = await Read(new StreamRequest { FrequencyMs = 20, HistorySize = 5 }, count: 8);

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), points.Select(p => p.Sequence));
        // History is back-dated one period apart, before the first live point.
        var history = points.Take(5).ToList();
        Assert.All(history.Zip(history.Skip(1)), pair => Assert.Equal(20, pair.Second.Timestamp - pair.First.Timestamp));
        Assert.True(history[^1].Timestamp <= points[5].Timestamp);
        Assert.True(DateTimeOffset.FromUnixTimeMilliseconds(points[^1].Timestamp) > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-250)]
    public async Task Frequency_of_zero_or_less_means_one_second(int frequencyMs)
    {
        // The back-filled history is spaced by the effective period, so no clock is needed.
        var points = await Read(new StreamRequest { FrequencyMs = frequencyMs, HistorySize = 3 }, count: 3);
        Assert.All(points.Zip(points.Skip(1)), pair => Assert.Equal(1000, pair.Second.Timestamp - pair.First.Timestamp));
    }

    [Fact]
    public async Task Numeric_points_stay_in_the_requested_range()
    {
        var points = await Read(new StreamRequest { DataType = DataType.Numeric, FrequencyMs = 5, MinValue = -3, MaxValue = 3, HistorySize = 300 }, count: 300);
        Assert.All(points, p => Assert.Equal(DataPoint.ValueOneofCase.NumericValue, p.ValueCase));
        Assert.All(points, p => Assert.InRange(p.NumericValue, -3, 3));
        Assert.Equal(Enumerable.Range(-3, 7), points.Select(p => p.NumericValue).Distinct().Order());
    }

    [Fact]
    public async Task Numeric_default_range_is_zero_to_one_hundred()
    {
        var points = await Read(new StreamRequest { HistorySize = 500 }, count: 500);
        Assert.All(points, p => Assert.InRange(p.NumericValue, 0, 100));
        Assert.Contains(points, p => p.NumericValue > 50);
    }

    [Fact]
    public async Task Percentage_points_are_floats_from_zero_to_one_hundred()
    {
        var points = await Read(new StreamRequest { DataType = DataType.Percentage, HistorySize = 200 }, count: 200);
        Assert.All(points, p => Assert.Equal(DataPoint.ValueOneofCase.FloatValue, p.ValueCase));
        Assert.All(points, p => Assert.InRange(p.FloatValue, 0f, 100f));
        Assert.Contains(points, p => p.FloatValue != MathF.Floor(p.FloatValue));
        Assert.All(points, p => Assert.Equal("percentage", p.Label));
    }

    [Fact]
    public async Task Boolean_points_take_both_values()
    {
        var points = await Read(new StreamRequest { DataType = DataType.Boolean, HistorySize = 100 }, count: 100);
        Assert.All(points, p => Assert.Equal(DataPoint.ValueOneofCase.BooleanValue, p.ValueCase));
        Assert.Equal([false, true], points.Select(p => p.BooleanValue).Distinct().Order());
    }

    [Theory]
    [InlineData(DataType.Numeric, 1001, 0, 0, "history_size")]
    [InlineData(DataType.Numeric, -1, 0, 0, "history_size")]
    [InlineData((DataType)7, 0, 0, 0, "data_type")]
    [InlineData(DataType.Numeric, 0, 10, 5, "min_value")]
    public async Task Bad_stream_requests_are_invalid_argument_naming_the_field(DataType type, int history, int min, int max, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Read(new StreamRequest { DataType = type, HistorySize = history, MinValue = min, MaxValue = max }, count: 1));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_streams_each_keep_their_own_sequence()
    {
        var streams = Enumerable.Range(0, 40).Select(_ => Read(new StreamRequest { FrequencyMs = 10 }, count: 10));
        foreach (var points in await Task.WhenAll(streams))
        {
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), points.Select(p => p.Sequence));
        }
    }

    private async Task<List<DataPoint>> Read(StreamRequest request, int count)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        using var call = generator.Client.StreamRandomData(request, cancellationToken: timeout.Token);
        var points = new List<DataPoint>(count);
        while (points.Count < count && await call.ResponseStream.MoveNext(timeout.Token))
        {
            points.Add(call.ResponseStream.Current);
        }

        return points;
    }
}
