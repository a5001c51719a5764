namespace RandomDemo.Streaming.Upstream;

/// <summary>
/// Reconnect delays: the ceiling doubles from <c>initial</c> up to <c>max</c> with each failed
/// attempt, and each delay is drawn uniformly from [ceiling / 2, ceiling] ("equal jitter"), so that
/// many clients of one upstream do not retry in lock-step yet never retry at once.
/// <see cref="Reset"/> after a success starts again from <c>initial</c>. Not thread-safe.
/// </summary>
internal sealed class BackoffPolicy
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private int _failures;

    public BackoffPolicy(TimeSpan initial, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _initial = initial;
        _max = max;
        _random = random;
    }

    /// <summary>The upper bound of the next delay.</summary>
    public TimeSpan Ceiling
    {
        get
        {
            // Past 2^30 the doubling has long reached any sensible cap; stop before it overflows.
            var factor = Math.Pow(2, Math.Min(_failures, 30));
            return TimeSpan.FromTicks((long)Math.Min(_max.Ticks, _initial.Ticks * factor));
        }
    }

    /// <summary>The delay before the next attempt; each call counts one more failure.</summary>
    public TimeSpan NextDelay()
    {
        var ceiling = Ceiling;
        _failures++;
        var half = ceiling.Ticks / 2;
        return TimeSpan.FromTicks(half + (long)(_random.NextDouble() * (ceiling.Ticks - half)));
    }

    public void Reset() => _failures = 0;
}
