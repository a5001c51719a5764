using Grpc.Core;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Generator;

public sealed class GeneratorNumberTests(GeneratorFixture generator) : IClassFixture<GeneratorFixture>
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1, 100)]
    [InlineData(-5, 5)]
    [InlineData(7, 7)]
    [InlineData(int.MaxValue - 1, int.MaxValue)]
    [InlineData(int.MinValue, int.MinValue + 1)]
    [InlineData(int.MinValue, int.MaxValue)]
    public async Task Number_is_always_inside_the_inclusive_range(int min, int max)
    {
        for (var i = 0; i < 200; i++)
        {
            var response = await generator.Client.GetRandomNumberAsync(new NumberRequest { Min = min, Max = max }, deadline: Deadline());
            Assert.InRange(response.Value, min, max);
        }
    }

    [Fact]
    public async Task Both_ends_of_a_small_range_are_reached()
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < 200 && seen.Count < 2; i++)
        {
            seen.Add((await generator.Client.GetRandomNumberAsync(new NumberRequest { Min = int.MaxValue - 1, Max = int.MaxValue }, deadline: Deadline())).Value);
        }

        Assert.Equal([int.MaxValue - 1, int.MaxValue], seen.Order());
    }

    [Fact]
    public async Task Full_int32_range_covers_both_signs()
    {
        var values = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            values.Add((await generator.Client.GetRandomNumberAsync(new NumberRequest { Min = int.MinValue, Max = int.MaxValue }, deadline: Deadline())).Value);
        }

        // With 100 uniform draws, all of one sign has probability 2^-99.
        Assert.Contains(values, v => v < 0);
        Assert.Contains(values, v => v > 0);
    }

    [Fact]
    public async Task Distribution_over_a_small_range_is_uniform()
    {
        // 0..9, 5000 draws: a chi-squared statistic above 27.88 (9 d.f., p = 0.001) means bias.
        const int buckets = 10, draws = 5000;
        var counts = new int[buckets];
        var calls = Enumerable.Range(0, draws).Select(_ =>
            generator.Client.GetRandomNumberAsync(new NumberRequest { Min = 0, Max = buckets - 1 }, deadline: Deadline()).ResponseAsync);
        foreach (var response in await Task.WhenAll(calls))
        {
            counts[response.Value]++;
        }

        const double expected = (double)draws / buckets;
        var chiSquared = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquared < 27.88, $"chi-squared {chiSquared:F1} for counts [{string.Join(", ", counts)}]");
    }

    [Fact]
    public async Task Min_greater_than_max_is_invalid_argument_naming_both()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            generator.Client.GetRandomNumberAsync(new NumberRequest { Min = 10, Max = 5 }, deadline: Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("min", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("max", error.Status.Detail, StringComparison.Ordinal);
    }

    private static DateTime Deadline() => DateTime.UtcNow.Add(CallTimeout);
}
