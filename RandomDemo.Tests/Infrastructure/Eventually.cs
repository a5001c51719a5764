using System.Diagnostics;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>
/// Polls a probe until its value is what a test waits for. Every wait is bounded, and a wait that
/// fails says what it waited for and the last value it saw (a slow probe counts against the timeout).
/// Exceptions from the probe are not retried: they fail the wait at once.
/// </summary>
public static class Eventually
{
    /// <summary>Pause between probes: short against the waits (seconds), long enough not to busy a shared machine.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Probes until <paramref name="done"/> holds for the value and returns that value. A failure shows the
    /// last value by <paramref name="describe"/> (its ToString when null); <paramref name="pollInterval"/>
    /// spaces out probes that cost the server more than a glance.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null, TimeSpan? pollInterval = null)
    {
        var clock = Stopwatch.StartNew();
        var last = "nothing yet (the first probe did not finish)";
        while (true)
        {
            var attempt = probe();
            T value;
            try
            {
                value = await attempt.WaitAsync(Remaining(clock, timeout));
            }
            catch (TimeoutException) when (!attempt.IsCompleted)
            {
                throw Failure(timeout, what, last);
            }

            if (done(value))
            {
                return value;
            }

            last = describe is null ? value?.ToString() ?? "null" : describe(value);
            if (clock.Elapsed >= timeout)
            {
                throw Failure(timeout, what, last);
            }

            await Task.Delay(pollInterval ?? PollInterval);
        }
    }

    /// <summary>Probes (synchronously) until <paramref name="done"/> holds for the value and returns that value.</summary>
    public static Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(probe()), done, timeout, what);

    /// <summary>Probes until <paramref name="condition"/> is true.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        UntilAsync(condition, static holds => holds, timeout, what);

    private static TimeSpan Remaining(Stopwatch clock, TimeSpan timeout)
    {
        var remaining = timeout - clock.Elapsed;
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private static TimeoutException Failure(TimeSpan timeout, string what, string last) =>
        new($"Not within {timeout.TotalSeconds:0.##} s: {what}. Last seen: {last}");
}
