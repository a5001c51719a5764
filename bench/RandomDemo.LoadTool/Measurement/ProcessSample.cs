using System.Globalization;

namespace RandomDemo.LoadTool.Measurement;

/// <summary>
/// A process's resident memory (VmRSS) and CPU time (utime + stime) read from /proc at one moment,
/// and the machine's load average, so that every figure says how busy the shared machine was.
/// </summary>
internal readonly record struct ProcessSample(long RssKb, double CpuSeconds, DateTime TakenAt)
{
    // USER_HZ is 100 on every Linux the bench targets (x86-64, arm64).
    private const double ClockTicksPerSecond = 100;

    public static ProcessSample Take(int pid)
    {
        var rss = File.ReadLines($"/proc/{pid}/status")
            .First(line => line.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];

        // Fields after the command name (which may contain spaces) start at state, field 3; utime is 14, stime 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return new ProcessSample(long.Parse(rss, CultureInfo.InvariantCulture), ticks / ClockTicksPerSecond, DateTime.UtcNow);
    }

    public static ProcessSample Self() => Take(Environment.ProcessId);

    /// <summary>CPU used between two samples, in percent of one core.</summary>
    public static double CpuPercent(ProcessSample from, ProcessSample to) =>
        100 * (to.CpuSeconds - from.CpuSeconds) / Math.Max(0.001, (to.TakenAt - from.TakenAt).TotalSeconds);

    public static string LoadAverage() => File.Exists("/proc/loadavg")
        ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
        : "n/a";
}
