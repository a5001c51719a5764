namespace RandomDemo.LoadTool.Measurement;

/// <summary>The wall clock in the unit of the generator's timestamps, so that a receive time minus a timestamp is a delivery latency.</summary>
internal static class WallClock
{
    /// <summary>Microseconds since the Unix epoch.</summary>
    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
