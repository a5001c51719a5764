namespace RandomDemo.Hosting.Orchestration;

/// <summary>Delay before restarting a crashed resource: 1 s, doubling, capped; back to 1 s after a long healthy run.</summary>
internal sealed class RestartBackoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Maximum = TimeSpan.FromSeconds(30);

    /// <summary>A run at least this long counts as stable: the next crash starts the backoff again.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromSeconds(60);

    private TimeSpan _next = Initial;

    public TimeSpan Next(TimeSpan lastRunDuration)
    {
        if (lastRunDuration >= StableRun)
        {
            _next = Initial;
        }

        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Maximum.Ticks));
        return delay;
    }
}
