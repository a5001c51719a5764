using RandomDemo.Streaming.Upstream;

namespace RandomDemo.Tests.Streaming;

/// <summary>The reconnect delay policy is pure logic, tested in-process on the service's own assembly.</summary>
public sealed class BackoffPolicyTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(10);

    [Fact]
    public void Ceiling_doubles_per_failure_up_to_the_cap()
    {
        var policy = new BackoffPolicy(Initial, Max, new FixedRandom(1.0));
        var ceilings = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            ceilings.Add(policy.Ceiling);
            policy.NextDelay();
        }

        TimeSpan[] expected = [.. new[] { 250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000 }.Select(ms => TimeSpan.FromMilliseconds(ms))];
        Assert.Equal(expected, ceilings);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999999)]
    public void Delay_is_jittered_between_half_the_ceiling_and_the_ceiling(double draw)
    {
        var policy = new BackoffPolicy(Initial, Max, new FixedRandom(draw));
        for (var i = 0; i < 12; i++)
        {
            var ceiling = policy.Ceiling;
            var delay = policy.NextDelay();
            Assert.InRange(delay, ceiling / 2, ceiling);
            Assert.InRange(delay - (ceiling / 2) - (ceiling / 2 * draw), TimeSpan.FromTicks(-1), TimeSpan.FromTicks(1));
        }
    }

    [Fact]
    public void Real_jitter_spreads_delays()
    {
        var delays = Enumerable.Range(0, 50).Select(_ => new BackoffPolicy(Initial, Max, Random.Shared).NextDelay()).ToHashSet();
        Assert.True(delays.Count > 10, $"only {delays.Count} distinct delays out of 50");
        Assert.All(delays, d => Assert.InRange(d, Initial / 2, Initial));
    }

    [Fact]
    public void Reset_starts_again_from_the_initial_delay()
    {
        var policy = new BackoffPolicy(Initial, Max, new FixedRandom(1.0));
        for (var i = 0; i < 8; i++)
        {
            policy.NextDelay();
        }

        Assert.Equal(Max, policy.Ceiling);
        policy.Reset();
        Assert.Equal(Initial, policy.Ceiling);
        Assert.Equal(Initial, policy.NextDelay());
    }

    [Fact]
    public void Many_failures_never_overflow_past_the_cap()
    {
        var policy = new BackoffPolicy(Initial, Max, new FixedRandom(1.0));
        for (var i = 0; i < 10_000; i++)
        {
            Assert.InRange(policy.NextDelay(), Initial / 2, Max);
        }
    }

    [Fact]
    public void Invalid_bounds_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffPolicy(TimeSpan.Zero, Max, Random.Shared));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffPolicy(Max, Initial, Random.Shared));
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
